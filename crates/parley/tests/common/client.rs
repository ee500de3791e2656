//! Running the client commands (`parley connection`, `request`, `action`, `mcp`) as a
//! user would: only the given client variables set, input on stdin.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

pub struct Out {
    pub code: i32,
    pub out: String,
    pub err: String,
}

impl Out {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.out)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}{}", self.out, self.err))
    }
}

/// `parley ARGS` with only `env` of the client variables set, and `input` on stdin.
pub fn parley(args: &[&str], env: &[(&str, &str)], input: &str) -> Out {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_parley"));
    cmd.args(args)
        .env_remove("PARLEY_CONFIG")
        .env_remove("PARLEY_CONNECTIONS")
        .env_remove("PARLEY_API_URL")
        .env_remove("PARLEY_ACCESS_KEY")
        .env_remove("PARLEY_ACCESS_KEY_SECRET")
        .env_remove("PARLEY_API_TOKEN")
        .env_remove("PARLEY_OAUTH_CLIENT_SECRET")
        .env_remove("PARLEY_OAUTH_REFRESH_TOKEN")
        .envs(env.iter().copied())
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
