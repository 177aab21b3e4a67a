//! Hooks through which a trial tells its story. A run uses [`NoTrace`], which
//! compiles to nothing; `escalate trace` records every event.

use crate::core::model::ActorIx;

/// Why a lever was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// A doctrine rule fired (index into `Model::rules`).
    Rule(u16),
    /// A scheduled event or shock (index into `Model::events`).
    Event(u16),
    /// Talks ended in a ceasefire.
    Talks,
}

/// Something that happened on a day of a trial. Indices refer to the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceEvent {
    /// A scheduled event or shock happened.
    Event {
        /// Index into `Model::events`.
        event: u16,
    },
    /// An armed group's attacks of the day.
    Attack {
        /// Index into `Model::groups`.
        group: u16,
        /// Number of attacks.
        attacks: u32,
        /// Deaths: civilian, security (of the target), militant (of the group).
        deaths: [u64; 3],
    },
    /// A lever was used.
    Lever {
        /// The user.
        actor: ActorIx,
        /// Index into `Model::levers`.
        lever: u16,
        /// The target.
        target: Option<ActorIx>,
        /// Why.
        cause: Cause,
        /// Deaths it caused: civilian, security, militant.
        deaths: [u64; 3],
        /// The touched dyad's rung change (dyad, from, to), if any.
        rung: Option<(u16, u8, u8)>,
    },
    /// A ceasefire was broken by the group.
    CeasefireBroken {
        /// Index into `Model::groups`.
        group: u16,
    },
    /// Talks with a group ran out.
    TalksEnded {
        /// Index into `Model::groups`.
        group: u16,
    },
    /// A calm dyad stepped one rung down.
    RungDecay {
        /// Dyad index.
        dyad: u16,
        /// New rung.
        to: u8,
    },
}

/// Receives a trial's events.
pub trait Tracer {
    /// Records one event on day `day`.
    fn record(&mut self, day: u32, event: TraceEvent);
}

/// The tracer of ordinary runs: records nothing, costs nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoTrace;

impl Tracer for NoTrace {
    #[inline(always)]
    fn record(&mut self, _: u32, _: TraceEvent) {}
}

impl Tracer for Vec<(u32, TraceEvent)> {
    fn record(&mut self, day: u32, event: TraceEvent) {
        self.push((day, event));
    }
}
