//! Every request's `to_args()`, parsed again by the command line, gives the
//! same request back; and the quoted command line a report shows gives the
//! same words back through a real shell.

use clap::Parser;

use super::{Cli, Command};
use escalate::run::command::command_line;
use escalate::run::shard::Shard;
use escalate::run::{CompareRequest, RunRequest, Setup, TraceRequest};
use escalate::sweep::{DesignKind, SweepSpec};

/// Awkward words: spaces, quotes, `%`, `$`, a leading dash-free glob.
const SCENARIO: &str = "my dir/it's 100% \"real\" $HOME*.ron";

fn setup(policy: Option<&str>) -> Setup {
    Setup {
        policy: policy.map(str::to_string),
        overrides: vec![
            "actors.TTP.fighters=Normal(4000, 500)".parse().unwrap(),
            "groups.G.rate = 3".parse().unwrap(),
        ],
        horizon: Some(400),
        posterior: Some("cal dir/it's posterior.csv".into()),
    }
}

fn parse(args: &[String]) -> Command {
    let words = std::iter::once("escalate".to_string()).chain(args.iter().cloned());
    match Cli::try_parse_from(words) {
        Ok(cli) => cli.command,
        Err(e) => panic!("{args:?} does not parse: {e}"),
    }
}

/// The words a POSIX shell makes of `line` (after `escalate`).
fn shell_words(line: &str) -> Vec<String> {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("printf '%s\\0' {line}"))
        .output()
        .expect("sh runs");
    assert!(out.status.success());
    let words: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .split_terminator('\0')
        .map(str::to_string)
        .collect();
    assert_eq!(words[0], "escalate");
    words[1..].to_vec()
}

#[test]
fn run_requests_round_trip_through_the_parser_and_the_shell() {
    for (policy, shard) in [
        (None, None),
        (Some("talks"), None),
        (
            Some("policies/my 'policy' %1.ron"),
            Some(Shard::new(3, 16).unwrap()),
        ),
    ] {
        let request = RunRequest {
            scenario: Some(SCENARIO.into()),
            setup: setup(policy),
            seed: 42,
            trials: 1234,
            shard,
        };
        let mut args = request.to_args();
        assert_eq!(shell_words(&command_line(&args)), args);
        if shard.is_some() {
            // Where a shard's part goes is an output, not part of the request.
            args.extend(["--out", "part 3.esc"].map(String::from));
        }
        let Command::Run(a) = parse(&args) else {
            panic!("not a run")
        };
        assert_eq!(a.request(), request);
    }
    let bare = RunRequest::new(None, 7, 10);
    let Command::Run(a) = parse(&bare.to_args()) else {
        panic!("not a run")
    };
    assert_eq!(a.request(), bare);
}

#[test]
fn compare_requests_round_trip() {
    let request = CompareRequest {
        scenario: Some(SCENARIO.into()),
        policies: vec!["baseline".into(), "talks".into(), "a b.ron".into()],
        setup: setup(None),
        seed: 9,
        trials: 300,
    };
    let args = request.to_args();
    assert_eq!(shell_words(&command_line(&args)), args);
    let Command::Compare(a) = parse(&args) else {
        panic!("not a compare")
    };
    assert_eq!(a.request(), request);
}

#[test]
fn trace_requests_round_trip() {
    let request = TraceRequest {
        scenario: Some(SCENARIO.into()),
        setup: setup(Some("it's.ron")),
        seed: 3,
        trial: 77,
    };
    let args = request.to_args();
    assert_eq!(shell_words(&command_line(&args)), args);
    let Command::Trace(a) = parse(&args) else {
        panic!("not a trace")
    };
    assert_eq!(a.request(), request);
}

fn sweep_spec(design: DesignKind, levels: usize) -> SweepSpec {
    SweepSpec {
        scenario: Some(SCENARIO.into()),
        design,
        points: Some(8),
        levels,
        sets: vec![
            "actors.TTP.fighters=3000..5000".into(),
            "x.y=[1, 2, 3]".into(),
        ],
        policies: vec!["baseline".into(), "my talks.ron".into()],
        trials: 200,
        seed: 5,
        horizon: Some(90),
        posterior: Some("cal dir/it's posterior.csv".into()),
        headline: Some("prob_open war".into()),
    }
}

#[test]
fn sweep_specs_round_trip_including_the_slurm_form() {
    for spec in [
        sweep_spec(DesignKind::Morris, 6),
        sweep_spec(DesignKind::Sobol, 4),
        SweepSpec {
            posterior: None,
            ..sweep_spec(DesignKind::Grid, 4)
        },
    ] {
        let args = spec.to_args();
        assert_eq!(shell_words(&command_line(&args)), args);
        let Command::Sweep(a) = parse(&[args.clone(), vec!["--out".into(), "o".into()]].concat())
        else {
            panic!("not a sweep")
        };
        assert_eq!(a.what.spec(), spec);
        // `escalate slurm sweep ...` takes the same words.
        let mut slurm = vec!["slurm".to_string()];
        slurm.extend(args);
        slurm.extend(["--shards", "2", "--dir", "d"].map(String::from));
        let Command::Slurm(s) = parse(&slurm) else {
            panic!("not slurm")
        };
        let Some(super::slurm::SlurmStudy::Sweep(s)) = s.study else {
            panic!("not slurm sweep")
        };
        assert_eq!(s.what.spec(), spec);
    }
}

#[test]
fn slurm_takes_the_run_words() {
    let request = RunRequest {
        scenario: Some(SCENARIO.into()),
        setup: setup(Some("talks")),
        seed: 1,
        trials: 5000,
        shard: None,
    };
    let mut args = request.to_args();
    args[0] = "slurm".into();
    args.extend(["--shards", "4", "--dir", "study dir"].map(String::from));
    let Command::Slurm(s) = parse(&args) else {
        panic!("not slurm")
    };
    assert_eq!(s.what.request(), request);
    assert_eq!(s.job.shards, Some(4));
}

fn calibrate_request() -> escalate::calibrate::study::CalibrateRequest {
    use escalate::calibrate::study::{CalibrateRequest, PriorSpec};
    CalibrateRequest {
        scenario: Some(SCENARIO.into()),
        setup: Setup {
            posterior: None,
            ..setup(Some("it's.ron"))
        },
        observed: "data dir/it's observed $1.csv".into(),
        priors: vec![
            PriorSpec::parse("actors.TTP.attack_rate=Uniform(0.05, 0.35)").unwrap(),
            PriorSpec::parse("levers.x.y = Normal(1, 2)").unwrap(),
        ],
        particles: 30,
        trials: 8,
        generations: 3,
        until_tolerance: Some(1.5),
        seed: 7,
    }
}

#[test]
fn calibrate_requests_round_trip_including_a_task_and_the_slurm_form() {
    let request = calibrate_request();
    let args = request.to_args();
    assert_eq!(shell_words(&command_line(&args)), args);
    let out = ["--out", "cal dir"].map(String::from);
    let Command::Calibrate(a) = parse(&[args.clone(), out.to_vec()].concat()) else {
        panic!("not a calibrate")
    };
    assert_eq!(a.what.request(), request);
    assert!(a.task.task().unwrap().is_none());
    // Without --until-tolerance.
    let plain = escalate::calibrate::study::CalibrateRequest {
        until_tolerance: None,
        ..request.clone()
    };
    let Command::Calibrate(a) = parse(&[plain.to_args(), out.to_vec()].concat()) else {
        panic!("not a calibrate")
    };
    assert_eq!(a.what.request(), plain);

    // `escalate slurm calibrate` takes the same words.
    let mut slurm = vec!["slurm".to_string()];
    slurm.extend(args.clone());
    slurm.extend(["--shards", "3", "--dir", "d"].map(String::from));
    let Command::Slurm(s) = parse(&slurm) else {
        panic!("not slurm")
    };
    let Some(super::slurm::SlurmStudy::Calibrate(c)) = s.study else {
        panic!("not slurm calibrate")
    };
    assert_eq!(c.what.request(), request);
    assert_eq!(c.job.shards, Some(3));
}

/// The command line a round's job script runs, through a real shell with the
/// task's number set, is the calibration's request and the task's slice.
#[test]
fn a_calibration_rounds_job_script_runs_the_request_and_the_task() {
    use escalate::calibrate::distributed::Round;
    use escalate::distribution::slurm::{JobKind, JobSpec, Resources};
    let request = calibrate_request();
    let round = Round {
        generation: 2,
        start: 40,
        end: 187,
        tasks: 3,
    };
    let mut shard_args = request.to_args();
    round.push_args(&mut shard_args);
    let job = JobSpec {
        name: "escalate-calibrate".into(),
        exe: "/opt/esc/escalate".into(),
        dir: "/scratch/my 'study'".into(),
        shards: round.tasks,
        shard_args,
        finish_args: request.to_args(),
        workdir: "/home/me/work dir".into(),
        description: Vec::new(),
        resources: Resources::default(),
        kind: JobKind::Calibrate,
        trials_parquet: false,
    };
    let words_of = |script: &str, from: &str| {
        let line = &script[script.find(from).unwrap()..];
        let line = &line[..line.find(" > ").unwrap_or(line.len())];
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("K=1; printf '%s\\0' {line}"))
            .output()
            .expect("sh runs");
        let words: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .split_terminator('\0')
            .map(str::to_string)
            .collect();
        assert_eq!(words[0], "/opt/esc/escalate");
        words[1..].to_vec()
    };
    let script = job.job_script();
    assert!(
        script.contains("#SBATCH --chdir=\"/home/me/work dir\"\n"),
        "{script}"
    );
    let words = words_of(&script, "/opt/esc/escalate ");
    let Command::Calibrate(a) = parse(&words) else {
        panic!("not a calibrate: {words:?}")
    };
    assert_eq!(a.what.request(), request);
    let (back, k) = a.task.task().unwrap().expect("a task");
    assert_eq!((back, k), (round.clone(), 1));
    assert_eq!(a.out, std::path::Path::new("/scratch/my 'study'"));
    assert!(a.exec.quiet);
    // The finishing job runs the same calibration without the slice.
    let words = words_of(&job.merge_script(), "/opt/esc/escalate ");
    let Command::Calibrate(a) = parse(&words) else {
        panic!("not a calibrate: {words:?}")
    };
    assert_eq!(a.what.request(), request);
    assert!(a.task.task().unwrap().is_none());
    assert_eq!(a.out, std::path::Path::new("/scratch/my 'study'"));
}

#[test]
fn discover_requests_round_trip() {
    use escalate::discover::{DiscoverRequest, Selection};
    let request = DiscoverRequest {
        source: "my dir/it's 100% trials.csv".into(),
        condition: "class = border_war and not (deaths.civilian > 800 or strikes >= 1)".into(),
        inputs: vec![
            "actors.TTP.fighters".into(),
            "doctrines.Taliban.rules[1].probability".into(),
        ],
        peel_alpha: 0.1,
        paste_alpha: 0.025,
        min_mass: 0.03,
        boxes: 2,
        select: vec![Selection::Step(12), Selection::Last],
        resamples: 7,
        seed: 99,
    };
    let args = request.to_args();
    assert_eq!(shell_words(&command_line(&args)), args);
    // Where the files go is an output, not part of the request.
    let Command::Discover(a) = parse(&[args, vec!["--out".into(), "out dir".into()]].concat())
    else {
        panic!("not a discover")
    };
    assert_eq!(a.request(), request);
    // Every default, written out by to_args, reads back the same.
    let bare = DiscoverRequest::new("trials.csv", "class = open_war");
    let words: Vec<String> = [
        "discover",
        "trials.csv",
        "--where",
        "class = open_war",
        "--out",
        "o",
    ]
    .map(String::from)
    .to_vec();
    let Command::Discover(a) = parse(&words) else {
        panic!("not a discover")
    };
    assert_eq!(a.request(), bare);
    let Command::Discover(a) = parse(&[bare.to_args(), vec!["--out".into(), "o".into()]].concat())
    else {
        panic!("not a discover")
    };
    assert_eq!(a.request(), bare);
}
