//! Event codes for traces: each simulated event mapped to a CAMEO event code
//! (Conflict and Mediation Event Observations, codebook 1.1b3, Schrodt 2012;
//! the codes GDELT and ICEWS use) and to UCDP's type of violence (1
//! state-based, 2 non-state, 3 one-sided; UCDP GED codebook), so simulated
//! event streams line up with real event data.
//!
//! The mapping depends on the lever's kind, on who acts on whom (a state, an
//! outside power, an armed group) and, for armed-group attacks, on who died.
//! docs/compare-and-trace.md gives the reasoning for every row. A UCDP type is
//! given for acts of organised violence only, whether or not this event killed
//! anyone; UCDP's GED counts events with at least one death, so filter on
//! deaths > 0 to mimic it.

use serde::Serialize;

use crate::core::model::{EffectM, Kind};

/// UCDP's type of violence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ucdp {
    /// 1: armed force between two parties, at least one a government of a state.
    StateBased = 1,
    /// 2: armed force between two organised groups, neither a government.
    NonState = 2,
    /// 3: armed force by a government or an organised group against civilians.
    OneSided = 3,
}

impl Ucdp {
    /// UCDP's number for the type (`type_of_violence` in the GED).
    pub fn number(self) -> u8 {
        self as u8
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Ucdp::StateBased => "state-based",
            Ucdp::NonState => "non-state",
            Ucdp::OneSided => "one-sided",
        }
    }
}

/// A CAMEO code with its root and label, and the UCDP type of violence if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EventCode {
    /// CAMEO event code, e.g. `195`.
    pub cameo: &'static str,
    /// CAMEO root code (the first two digits), e.g. `19`.
    pub cameo_root: &'static str,
    /// CAMEO label of the code, e.g. `Employ aerial weapons`.
    pub cameo_label: &'static str,
    /// UCDP type of violence (None for acts that are not organised violence).
    pub ucdp: Option<Ucdp>,
}

fn code(cameo: &'static str, cameo_label: &'static str, ucdp: Option<Ucdp>) -> EventCode {
    EventCode {
        cameo,
        cameo_root: &cameo[..2],
        cameo_label,
        ucdp,
    }
}

/// Who an actor is, for coding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// A state's government (a state or an outside power).
    Government,
    /// An organised armed group.
    Group,
}

impl Party {
    /// The party of an actor kind.
    pub fn of(kind: Kind) -> Party {
        match kind {
            Kind::Group(_) => Party::Group,
            Kind::State | Kind::OutsidePower => Party::Government,
        }
    }
}

/// UCDP type of armed force between two parties.
fn between(a: Party, b: Option<Party>) -> Ucdp {
    match (a, b) {
        (Party::Group, Some(Party::Group)) => Ucdp::NonState,
        _ => Ucdp::StateBased,
    }
}

/// The code of a lever used by `user` on `target` (if any).
pub fn lever(effect: &EffectM, user: Party, target: Option<Party>) -> EventCode {
    use EffectM as E;
    let force = Some(between(user, target));
    match effect {
        E::Airstrike { .. } => code("195", "Employ aerial weapons", force),
        E::GroundOperation { .. } => code("190", "Use conventional military force", force),
        E::BorderClash { .. } => code("190", "Use conventional military force", force),
        E::Mobilization => code("154", "Mobilize or increase armed forces", None),
        E::Talks { .. } => code("046", "Engage in negotiation", None),
        E::Ceasefire { .. } => code("0871", "Declare truce, ceasefire", None),
        E::Mediation { .. } => code("045", "Mediate", None),
        E::Deportation { .. } => code("174", "Expel or deport individuals", None),
        E::TradeClosure { .. } => code("163", "Impose embargo, boycott, or sanctions", None),
        E::TradeReopening => code("085", "Ease economic sanctions, boycott, embargo", None),
        E::Sanctuary { .. } => code("074", "Provide military protection or peacekeeping", None),
        E::Crackdown { .. } => code("175", "Use tactics of violent repression", force),
        E::Sanctions { .. } => code("163", "Impose embargo, boycott, or sanctions", None),
        E::Aid { .. } => code("071", "Provide economic aid", None),
        E::ProxySupport { .. } => code("072", "Provide military aid", None),
        E::TradeDiversification { .. } => code("061", "Cooperate economically", None),
        E::Alignment { .. } => code("062", "Cooperate militarily", None),
    }
}

/// The code of a day's attacks by an armed group on `target`, by who died:
/// more civilians than security forces is an assault on civilians (CAMEO 180,
/// UCDP one-sided); otherwise armed force against the state (CAMEO 190, UCDP
/// state-based, or non-state when the target is itself a group).
pub fn attack(target: Party, civilian_deaths: u64, security_deaths: u64) -> EventCode {
    if civilian_deaths > security_deaths {
        code("180", "Use unconventional violence", Some(Ucdp::OneSided))
    } else {
        code(
            "190",
            "Use conventional military force",
            Some(between(Party::Group, Some(target))),
        )
    }
}

/// The code of a ceasefire broken by an armed group fighting `target`.
pub fn ceasefire_broken(target: Party) -> EventCode {
    code(
        "196",
        "Violate ceasefire",
        Some(between(Party::Group, Some(target))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_are_the_first_two_digits() {
        for c in [
            lever(&EffectM::Mobilization, Party::Government, None),
            lever(&EffectM::TradeReopening, Party::Government, None),
            attack(Party::Government, 3, 1),
            ceasefire_broken(Party::Government),
        ] {
            assert_eq!(&c.cameo[..2], c.cameo_root, "{c:?}");
        }
    }

    #[test]
    fn attacks_on_civilians_are_one_sided() {
        assert_eq!(attack(Party::Government, 5, 1).ucdp, Some(Ucdp::OneSided));
        assert_eq!(attack(Party::Government, 1, 5).ucdp, Some(Ucdp::StateBased));
        assert_eq!(attack(Party::Group, 0, 2).ucdp, Some(Ucdp::NonState));
    }
}
