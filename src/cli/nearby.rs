//! `tincan nearby`: lists the Tincan users on the local network (mDNS, RFC 6762/6763) for a
//! few seconds of listening, then exits.

use crate::p2p::mdns::{MDNS_PORT, Mdns};
use std::process::ExitCode;
use std::time::Duration;

/// How long `tincan nearby` listens unless `--seconds` says otherwise.
const DEFAULT_LISTEN: Duration = Duration::from_secs(3);

#[derive(Debug, PartialEq)]
struct NearbyOptions {
    listen: Duration,
    port: u16,
    json: bool,
}

fn parse(args: &[String]) -> Result<NearbyOptions, String> {
    let mut options = NearbyOptions {
        listen: DEFAULT_LISTEN,
        port: MDNS_PORT,
        json: false,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" => options.json = true,
            "--seconds" => {
                let v = super::option_value(&mut args, arg, "seconds")?;
                options.listen = v
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s > 0.0 && *s <= 3600.0)
                    .map(Duration::from_secs_f64)
                    .ok_or_else(|| format!("--seconds {v:?} is not a number of seconds"))?;
            }
            "--mdns-port" => {
                let v = super::option_value(&mut args, arg, "a port")?;
                options.port = v
                    .parse()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| format!("--mdns-port {v:?} is not a port"))?;
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}

/// `tincan nearby [--seconds N] [--json] [--mdns-port PORT]`.
pub fn nearby(args: &[String], usage: &str) -> ExitCode {
    let options = match parse(args) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("tincan nearby: {message}\n\n{usage}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tincan nearby: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let found = runtime.block_on(async {
        let mdns = Mdns::start(options.port, None).map_err(|e| e.to_string())?;
        mdns.browse(None).map_err(|e| e.to_string())?;
        tokio::time::sleep(options.listen).await;
        let peers = mdns.peers();
        mdns.stop();
        Ok::<_, String>(peers)
    });
    runtime.shutdown_background();
    let peers = match found {
        Ok(peers) => peers,
        Err(e) => {
            eprintln!("tincan nearby: {e}");
            return ExitCode::FAILURE;
        }
    };
    for peer in &peers {
        if options.json {
            let line = serde_json::json!({
                "address": peer.address(),
                "name": peer.name,
                "contacts": peer.contacts(),
            });
            println!("{line}");
        } else {
            println!(
                "{}  {:?}  {}",
                peer.address(),
                peer.name,
                peer.contacts().join(" ")
            );
        }
    }
    if peers.is_empty() {
        eprintln!(
            "tincan nearby: nobody found in {:.1} s",
            options.listen.as_secs_f64()
        );
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn nearby_arguments() {
        let o = parse(&args("")).unwrap();
        assert_eq!(
            (o.listen, o.port, o.json),
            (DEFAULT_LISTEN, MDNS_PORT, false)
        );
        let o = parse(&args("--seconds 0.5 --json --mdns-port 5454")).unwrap();
        assert_eq!(
            o,
            NearbyOptions {
                listen: Duration::from_millis(500),
                port: 5454,
                json: true
            }
        );
        for bad in [
            "--seconds",
            "--seconds -1",
            "--seconds x",
            "--mdns-port 0",
            "me",
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad}");
        }
    }
}
