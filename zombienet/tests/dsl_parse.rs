//! The `.zndsl` parser end to end: every accepted form, the unsupported zombienet forms,
//! error collection and the headers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use zombienet::dsl::{
    parse_file, parse_str, Assertion, CmpOp, Comparison, DslError, HeightKind, LogPattern,
    NodeCommand, StepKind, TestFile,
};

const HEADER: &str = "Network: ./net.toml\n";

fn cmp(op: CmpOp, value: f64) -> Comparison {
    Comparison { op, value }
}

fn secs(seconds: f64) -> Duration {
    Duration::from_secs_f64(seconds)
}

/// Parses one step line under a valid header.
fn step(line: &str) -> StepKind {
    let file = parse_str(&format!("{HEADER}{line}\n"))
        .unwrap_or_else(|errors| panic!("{line:?} rejected: {errors}"));
    assert_eq!(file.steps.len(), 1, "{line:?}");
    assert_eq!(file.steps[0].line, 2);
    assert_eq!(file.steps[0].text, line.trim());
    file.steps[0].kind.clone()
}

/// The message of the single error of one bad line.
fn error(line: &str) -> String {
    let errors = parse_str(&format!("{HEADER}{line}\n"))
        .err()
        .unwrap_or_else(|| panic!("{line:?} accepted"));
    assert_eq!(errors.0.len(), 1, "{errors}");
    assert_eq!(errors.0[0].line(), Some(2));
    errors.0[0].message()
}

fn assert_on(node: &str, assertion: Assertion, within: Option<Duration>) -> StepKind {
    StepKind::Assert { node: node.to_string(), assertion, within }
}

fn alice(assertion: Assertion) -> StepKind {
    assert_on("alice", assertion, None)
}

fn command(node: &str, command: NodeCommand) -> StepKind {
    StepKind::Command { node: node.to_string(), command }
}

fn height(kind: HeightKind, op: CmpOp, value: f64) -> Assertion {
    Assertion::Height { kind, cmp: cmp(op, value) }
}

fn metric(name: &str, op: CmpOp, value: f64) -> Assertion {
    Assertion::Metric { metric: name.to_string(), cmp: cmp(op, value) }
}

#[test]
fn headers_and_comments() {
    let text = "\
# a comment
// another
description: Smoke test
NETWORK:   ./0001-smoke.toml
Creds: config

alice: is up
";
    let file = parse_str(text).unwrap();
    assert_eq!(
        file,
        TestFile {
            description: Some("Smoke test".into()),
            network: PathBuf::from("./0001-smoke.toml"),
            steps: file.steps.clone(),
        }
    );
    assert_eq!(file.steps.len(), 1);
    assert_eq!(file.steps[0].line, 7);
    assert_eq!(file.steps[0].text, "alice: is up");
}

#[test]
fn description_is_optional() {
    let file = parse_str("Network: n.toml\n").unwrap();
    assert_eq!(file.description, None);
    assert!(file.steps.is_empty());
}

#[test]
fn missing_network_header_is_an_error() {
    let errors = parse_str("Description: x\nalice: is up\n").unwrap_err();
    assert_eq!(errors.0, vec![DslError::MissingNetwork]);
    assert!(errors.to_string().contains("Network:"), "{errors}");
    let errors = parse_str("Network:\n").unwrap_err();
    assert_eq!(errors.lines(), vec![1]);
    assert_eq!(errors.0.len(), 2, "{errors}");
}

#[test]
fn duplicate_headers_are_errors() {
    let errors = parse_str("Network: a.toml\nNetwork: b.toml\n").unwrap_err();
    assert_eq!(errors.lines(), vec![2]);
    assert!(errors.0[0].message().contains("line 1"), "{errors}");
}

#[test]
fn sleep_and_durations() {
    let cases = [
        ("sleep 10 seconds", secs(10.0)),
        ("Sleep 1 second", secs(1.0)),
        ("sleep 2.5 secs", secs(2.5)),
        ("SLEEP 3 sec", secs(3.0)),
        ("sleep 4 s", secs(4.0)),
        ("sleep 4s", secs(4.0)),
        ("sleep 1_000 seconds", secs(1000.0)),
    ];
    for (line, duration) in cases {
        assert_eq!(step(line), StepKind::Sleep(duration), "{line}");
    }
    assert!(error("sleep 10").contains("seconds"));
    assert!(error("sleep ten seconds").contains("number"));
    assert!(error("sleep 10 seconds now").contains("unexpected"));
}

#[test]
fn comparators() {
    let cases = [
        ("==", CmpOp::Eq),
        ("=", CmpOp::Eq),
        ("equals", CmpOp::Eq),
        ("is equal to", CmpOp::Eq),
        ("is", CmpOp::Eq),
        ("!=", CmpOp::Ne),
        ("is not", CmpOp::Ne),
        ("<", CmpOp::Lt),
        ("is lower than", CmpOp::Lt),
        ("lower than", CmpOp::Lt),
        ("is less than", CmpOp::Lt),
        ("less than", CmpOp::Lt),
        ("<=", CmpOp::Le),
        ("is at most", CmpOp::Le),
        ("at most", CmpOp::Le),
        (">", CmpOp::Gt),
        ("is greater than", CmpOp::Gt),
        ("greater than", CmpOp::Gt),
        (">=", CmpOp::Ge),
        ("is at least", CmpOp::Ge),
        ("at least", CmpOp::Ge),
        ("IS AT LEAST", CmpOp::Ge),
    ];
    for (text, op) in cases {
        let line = format!("alice: best block {text} 5");
        assert_eq!(step(&line), alice(height(HeightKind::Best, op, 5.0)), "{line}");
    }
    let no_space = step("alice: best block>=5");
    assert_eq!(no_space, alice(height(HeightKind::Best, CmpOp::Ge, 5.0)));
}

#[test]
fn numbers() {
    let cases =
        [("1_000", 1000.0), ("0.5", 0.5), ("12", 12.0), ("-1", -1.0), ("1_000.25", 1000.25)];
    for (text, value) in cases {
        let line = format!("alice: reports some_metric is {text}");
        assert_eq!(step(&line), alice(metric("some_metric", CmpOp::Eq, value)), "{line}");
    }
    assert!(error("alice: reports m is five").contains("number"));
    assert!(error("alice: reports m is 5x").contains("unexpected"));
}

#[test]
fn node_state_assertions() {
    assert_eq!(step("alice: is up"), alice(Assertion::IsUp));
    assert_eq!(step("Bob-2_x: IS UP"), assert_on("Bob-2_x", Assertion::IsUp, None));
    assert_eq!(step("alice: is down"), alice(Assertion::IsDown));
    assert_eq!(
        step("alice: is up within 30 seconds"),
        assert_on("alice", Assertion::IsUp, Some(secs(30.0)))
    );
    assert_eq!(
        step("alice: is down within 2.5 secs"),
        assert_on("alice", Assertion::IsDown, Some(secs(2.5)))
    );
    assert_eq!(
        step("alice: is up within 5 s"),
        assert_on("alice", Assertion::IsUp, Some(secs(5.0)))
    );
}

#[test]
fn parachain_assertions() {
    assert_eq!(
        step("alice: parachain 2000 is registered within 225 seconds"),
        assert_on("alice", Assertion::ParaRegistered { para: 2000 }, Some(secs(225.0)))
    );
    assert_eq!(
        step("alice: parachain 2_000 block height is at least 10 within 200 seconds"),
        assert_on(
            "alice",
            Assertion::ParaHeight { para: 2000, cmp: cmp(CmpOp::Ge, 10.0) },
            Some(secs(200.0))
        )
    );
    assert!(error("alice: parachain x is registered").contains("parachain id"));
    assert!(error("alice: parachain 99999999999 is registered").contains("parachain id"));
}

#[test]
fn height_assertions() {
    let cases = [
        ("best block", HeightKind::Best),
        ("block height", HeightKind::Best),
        ("blockheight", HeightKind::Best),
        ("height", HeightKind::Best),
        ("finalised height", HeightKind::Finalized),
        ("finalized height", HeightKind::Finalized),
        ("finalised block", HeightKind::Finalized),
        ("Finalized Block", HeightKind::Finalized),
    ];
    for (alias, kind) in cases {
        for prefix in ["", "reports "] {
            let line = format!("alice: {prefix}{alias} is at least 3 within 60 seconds");
            assert_eq!(
                step(&line),
                assert_on("alice", height(kind, CmpOp::Ge, 3.0), Some(secs(60.0))),
                "{line}"
            );
        }
    }
}

#[test]
fn metric_assertions() {
    assert_eq!(step("alice: reports node_roles is 4"), alice(metric("node_roles", CmpOp::Eq, 4.0)));
    assert_eq!(
        step("alice: reports peers count is at least 2 within 20 seconds"),
        assert_on(
            "alice",
            metric("substrate_sub_libp2p_peers_count", CmpOp::Ge, 2.0),
            Some(secs(20.0))
        )
    );
    assert_eq!(
        step("alice: reports peers > 1"),
        alice(metric("substrate_sub_libp2p_peers_count", CmpOp::Gt, 1.0))
    );
    assert_eq!(
        step(r#"alice: reports substrate_block_height{status="best", chain="x y"} >= 3"#),
        alice(metric(r#"substrate_block_height{status="best", chain="x y"}"#, CmpOp::Ge, 3.0))
    );
    assert_eq!(
        step("alice: reports polkadot_parachain_candidates_included_total is greater than 0"),
        alice(metric("polkadot_parachain_candidates_included_total", CmpOp::Gt, 0.0))
    );
    assert_eq!(
        step("alice: reports block_height_extra is 1"),
        alice(metric("block_height_extra", CmpOp::Eq, 1.0))
    );
    assert!(error("alice: reports m{a=1} is 3").contains("selector"));
    assert!(error(r#"alice: reports m{a="1" is 3"#).contains("selector"));
    assert!(error("alice: reports is 3").contains("metric"));
}

#[test]
fn log_assertions() {
    let cases = [
        (r#"alice: log line matches glob "*rted #1*""#, LogPattern::Glob("*rted #1*".into())),
        (
            r#"alice: log line matches regex "Imported #\d+""#,
            LogPattern::Regex(r"Imported #\d+".into()),
        ),
        (r#"alice: log line matches "Imported #\d+""#, LogPattern::Regex(r"Imported #\d+".into())),
        (r#"alice: log line contains "Imported #1""#, LogPattern::Contains("Imported #1".into())),
        (r#"alice: Log Line Contains "say \"hi\"""#, LogPattern::Contains("say \"hi\"".into())),
    ];
    for (line, pattern) in cases {
        assert_eq!(step(line), alice(Assertion::LogLine { pattern }), "{line}");
    }
    assert_eq!(
        step(r#"alice: log line contains "x: y" within 10 seconds"#),
        assert_on(
            "alice",
            Assertion::LogLine { pattern: LogPattern::Contains("x: y".into()) },
            Some(secs(10.0))
        )
    );
}

#[test]
fn log_count_assertions() {
    let cases = [
        (
            r#"alice: count of log lines containing "error" is 0"#,
            LogPattern::Contains("error".into()),
            cmp(CmpOp::Eq, 0.0),
        ),
        (
            r#"alice: count of log lines matching glob "*err*" is at most 2"#,
            LogPattern::Glob("*err*".into()),
            cmp(CmpOp::Le, 2.0),
        ),
        (
            r#"alice: count of log lines matching regex "e+" > 1"#,
            LogPattern::Regex("e+".into()),
            cmp(CmpOp::Gt, 1.0),
        ),
        (
            r#"alice: count of log lines matching "e+" is not 1"#,
            LogPattern::Regex("e+".into()),
            cmp(CmpOp::Ne, 1.0),
        ),
    ];
    for (line, pattern, cmp) in cases {
        assert_eq!(step(line), alice(Assertion::LogCount { pattern, cmp }), "{line}");
    }
    assert_eq!(
        step(r#"alice: count of log lines containing "panicked" is 0 within 10 seconds"#),
        assert_on(
            "alice",
            Assertion::LogCount {
                pattern: LogPattern::Contains("panicked".into()),
                cmp: cmp(CmpOp::Eq, 0.0)
            },
            Some(secs(10.0))
        )
    );
}

#[test]
fn balance_assertions() {
    let ss58 = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    let cases = ["//Bob", "//Alice//stash", ss58];
    for account in cases {
        let line = format!("collator01: balance of {account} is at least 1_000 within 60 secs");
        assert_eq!(
            step(&line),
            assert_on(
                "collator01",
                Assertion::Balance { account: account.to_string(), cmp: cmp(CmpOp::Ge, 1000.0) },
                Some(secs(60.0))
            ),
            "{line}"
        );
    }
    assert!(error("alice: balance of Bob is 3").contains("account"));
    assert!(error("alice: balance of is 3").contains("account"));
}

#[test]
fn commands() {
    let cases = [
        ("alice: pause", NodeCommand::Pause),
        ("alice: Resume", NodeCommand::Resume),
        ("alice: kill", NodeCommand::Kill),
        ("alice: restart", NodeCommand::Restart { after: None }),
        (
            "alice: restart after 5 seconds",
            NodeCommand::Restart {
                after: Some(secs(5.0)),
            },
        ),
        (
            "alice: transfer 1_000_000 from //Alice to //Bob",
            NodeCommand::Transfer {
                amount: 1_000_000,
                from: "//Alice".into(),
                to: "//Bob".into(),
            },
        ),
        (
            "alice: transfer 5 from //Alice//stash to 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
            NodeCommand::Transfer {
                amount: 5,
                from: "//Alice//stash".into(),
                to: "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY".into(),
            },
        ),
    ];
    for (line, expected) in cases {
        assert_eq!(step(line), command("alice", expected), "{line}");
    }
}

#[test]
fn bad_commands() {
    assert!(error("alice: pause within 5 seconds").contains("within"));
    assert!(error("alice: kill now").contains("unexpected"));
    assert!(error("alice: restart after 5").contains("seconds"));
    assert!(error("alice: transfer 1.5 from //Alice to //Bob").contains("integer"));
    assert!(error("alice: transfer x from //Alice to //Bob").contains("amount"));
    assert!(error("alice: transfer 1 from Alice to //Bob").contains("secret URI"));
    assert!(error("alice: transfer 1 //Alice to //Bob").contains("`from`"));
    assert!(error("alice: transfer 1 from //Alice //Bob").contains("`to`"));
    assert!(error("alice: transfer 1 from //Alice to Bob").contains("account"));
}

#[test]
fn unsupported_forms_say_so() {
    let cases = [
        (
            r#"alice: system event contains "A candidate was included" within 20 seconds"#,
            "log line contains",
        ),
        (r#"alice: system event matches glob "*was backed*""#, "not supported"),
        (
            r#"alice: trace with traceID 94c1501a78a0d83c498cc92deec264d9 contains ["a", "b"]"#,
            "not supported",
        ),
        (
            "alice: js-script ./0008-x.js return is greater than 1 within 200 seconds",
            "not supported",
        ),
        (r#"alice: ts-script ./x.ts with "2000""#, "not supported"),
        (r#"alice: run ./x.sh with "a" within 200 seconds"#, "not supported"),
        ("alice: parachain 100 perform upgrade with ./wasm within 200 seconds", "not supported"),
        ("alice: parachain 100 perform dummy upgrade within 200 seconds", "not supported"),
        ("alice: wait for my_var and use as X within 30 seconds", "not supported"),
        (
            r#"alice: reports histogram polkadot_pvf_execution_time has at least 2 samples in buckets ["0.1", "+Inf"] within 100 seconds"#,
            "_count",
        ),
        (
            "alice: reports block height - finalised block is lower than 10 within 20 seconds",
            "arithmetic",
        ),
        ("alice: reports block height minus finalised block is lower than 10", "arithmetic"),
        ("alice: reports a_metric + b_metric is 3", "arithmetic"),
        ("alice: reports a_metric plus b_metric is 3", "arithmetic"),
    ];
    for (line, expected) in cases {
        let message = error(line);
        assert!(message.contains(expected), "{line}: {message}");
        assert!(!message.contains("not understood"), "{line}: {message}");
    }
}

#[test]
fn not_understood_lists_the_forms() {
    let message = error("alice: parachain 2000 block heigt is 3");
    assert!(message.starts_with("not understood; expected one of:"), "{message}");
    assert!(message.contains("is registered"), "{message}");
    let message = error("alice: flies away");
    assert!(message.starts_with("not understood; expected one of:"), "{message}");
    assert!(message.contains("log line contains"), "{message}");
    assert!(message.contains("sleep <n> seconds"), "{message}");
    let message = error("just some words");
    assert!(message.starts_with("not understood"), "{message}");
    let message = error("alice bob: is up");
    assert!(message.contains("not a node name"), "{message}");
}

#[test]
fn bad_patterns_are_parse_errors() {
    let message = error(r#"alice: log line matches "(unclosed""#);
    assert!(message.contains("(unclosed"), "{message}");
    let message = error(r#"alice: count of log lines matching regex "[z-a]" is 0"#);
    assert!(message.contains("[z-a]"), "{message}");
    assert!(error(r#"alice: log line contains "open"#).contains("unterminated"));
    assert!(error("alice: log line contains error").contains("quoted"));
    assert!(error(r#"alice: log line equals "x""#).contains("contains"));
}

#[test]
fn all_errors_are_reported_with_their_lines() {
    let text = "\
Description: many mistakes
alice: is up
alice: parachain 2000 block heigt is 3
bob: best block is at least

sleep forever
bob: log line matches \"(\"
Network: ./n.toml
bob: restart after 5 seconds
";
    let errors = parse_str(text).unwrap_err();
    assert_eq!(errors.lines(), vec![3, 4, 6, 7], "{errors}");
    let display = errors.to_string();
    assert!(display.starts_with("4 errors in the test file:"), "{display}");
    assert!(
        display.contains(
            "line 3: `alice: parachain 2000 block heigt is 3`: not understood; expected one of:"
        ),
        "{display}"
    );
    assert!(display.contains("line 6: `sleep forever`"), "{display}");
}

#[test]
fn errors_and_missing_network_together() {
    let errors = parse_str("alice: is sideways\n").unwrap_err();
    assert_eq!(errors.0.len(), 2, "{errors}");
    assert_eq!(errors.0[0].line(), Some(1));
    assert_eq!(errors.0[1], DslError::MissingNetwork);
    assert!(errors.to_string().starts_with("2 errors"));
}

#[test]
fn parse_file_reads_and_names_unreadable_paths() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("0001-smoke.zndsl");
    std::fs::write(&path, "Network: ./0001-smoke.toml\nalice: is up\n").unwrap();
    let file = parse_file(&path).unwrap();
    assert_eq!(file.network, Path::new("./0001-smoke.toml"));
    assert_eq!(file.steps.len(), 1);

    let missing = dir.path().join("missing.zndsl");
    let errors = parse_file(&missing).unwrap_err();
    assert_eq!(errors.0.len(), 1);
    assert!(matches!(&errors.0[0], DslError::Read { path, .. } if path == &missing));
    assert!(errors.to_string().contains(&missing.display().to_string()), "{errors}");
}

#[test]
fn a_zombienet_style_file() {
    let text = "\
Description: Small Network test
Network: ./0001-small-network.toml
Creds: config

# metrics
alice: reports node_roles is 4
alice: reports sub_libp2p_is_major_syncing is 0

# logs
bob: log line matches glob \"*rted #1*\" within 10 seconds
bob: log line matches \"Imported #[0-9]+\" within 10 seconds

alice: parachain 100 is registered within 225 seconds
alice: parachain 100 block height is at least 10 within 200 seconds
sleep 5 seconds
bob: pause
bob: is down
bob: resume
bob: restart after 2 seconds
bob: reports finalised height is at least 2 within 60 seconds
";
    let file = parse_str(text).unwrap();
    assert_eq!(file.steps.len(), 12);
    let lines: Vec<usize> = file.steps.iter().map(|s| s.line).collect();
    assert_eq!(lines, vec![6, 7, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20]);
    assert_eq!(file.description.as_deref(), Some("Small Network test"));
}
