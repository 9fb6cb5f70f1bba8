//! The GitHub workflow cannot run here; this checks it is valid YAML with the
//! keys GitHub's workflow schema requires, and that it calls the same scripts
//! as `.ci/run` (the README's test command) and uploads the packages.

use serde_yaml::Value;

use crate::harness::project_root;

fn workflow() -> Value {
    let text = std::fs::read_to_string(project_root().join(".github/workflows/ci.yml")).expect("the workflow file");
    serde_yaml::from_str(&text).expect("valid YAML")
}

fn strings<'a>(v: &'a Value, key: &str) -> Vec<&'a str> {
    v[key].as_sequence().map(|s| s.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
}

#[test]
fn the_workflow_has_the_required_keys_and_runs_the_ci_entry_point() {
    let w = workflow();
    assert!(w["name"].as_str().is_some(), "name");
    // YAML 1.2: `on` is a string key, not a boolean.
    let on = &w["on"];
    assert!(on["push"].is_mapping() || on["pull_request"].is_mapping() || on.is_sequence(), "on: {on:?}");
    let jobs = w["jobs"].as_mapping().expect("jobs");
    assert!(!jobs.is_empty());
    let mut runs = Vec::new();
    let mut uploads = Vec::new();
    for (id, job) in jobs {
        let id = id.as_str().unwrap();
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'), "job id {id}");
        assert!(job["runs-on"].as_str().is_some(), "{id}: runs-on");
        let steps = job["steps"].as_sequence().unwrap_or_else(|| panic!("{id}: steps"));
        for step in steps {
            let (uses, run) = (step["uses"].as_str(), step["run"].as_str());
            assert!(uses.is_some() != run.is_some(), "{id}: a step has exactly one of uses and run: {step:?}");
            if let Some(r) = run {
                runs.push(r.to_string());
            }
            if uses.is_some_and(|u| u.starts_with("actions/upload-artifact@")) {
                uploads.push(step["with"]["path"].as_str().unwrap_or_default().to_string());
            }
        }
        let majors = strings(&job["strategy"]["matrix"], "pg");
        assert!(majors.contains(&"15"), "{id}: the matrix has PostgreSQL 15: {majors:?}");
        for m in majors {
            assert!(m.parse::<u32>().is_ok_and(|m| (13..=18).contains(&m)), "{id}: pgrx 0.18.1 builds 13..18, not {m}");
        }
    }
    assert!(runs.iter().any(|r| r.trim() == ".ci/run"), "the workflow runs .ci/run: {runs:?}");
    let ci = std::fs::read_to_string(project_root().join(".ci/run")).unwrap();
    assert!(ci.contains("scripts/test.sh"), ".ci/run calls the README's test command");
    assert!(runs.iter().any(|r| r.contains("scripts/package.sh")), "the workflow builds the packages: {runs:?}");
    assert!(uploads.iter().any(|p| p.ends_with(".deb")), "the packages are uploaded: {uploads:?}");
}
