//! A small HTTP service: GET / greets, GET /healthz answers "ok", GET /info
//! describes the process as JSON. It listens on $PORT (8080 by default).

mod greeting;

use std::env;
use tiny_http::{Header, Response, Server};

fn route(path: &str) -> (u16, &'static str, String) {
    match path {
        "/" => (200, "text/plain; charset=utf-8", format!("{}\n", greeting::greeting())),
        "/healthz" => (200, "text/plain; charset=utf-8", "ok\n".to_string()),
        "/info" => {
            let info = serde_json::json!({
                "name": env!("CARGO_PKG_NAME"),
                "version": env!("CARGO_PKG_VERSION"),
                "arch": env::consts::ARCH,
                "os": env::consts::OS,
            });
            (200, "application/json", info.to_string())
        }
        _ => (404, "text/plain; charset=utf-8", "not found\n".to_string()),
    }
}

fn main() {
    let port = env::var("PORT").unwrap_or_else(|_| "8080".to_string());
    let addr = format!("0.0.0.0:{port}");
    let server = Server::http(&addr).unwrap_or_else(|e| {
        eprintln!("cannot listen on {addr}: {e}");
        std::process::exit(1);
    });
    eprintln!("listening on {addr}");
    for request in server.incoming_requests() {
        let path = request.url().split('?').next().unwrap_or("/").to_string();
        let (status, content_type, body) = route(&path);
        let header = Header::from_bytes("Content-Type", content_type).expect("valid header");
        let response = Response::from_string(body).with_status_code(status).with_header(header);
        if let Err(e) = request.respond(response) {
            eprintln!("{path}: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::route;

    #[test]
    fn health() {
        assert_eq!(route("/healthz").0, 200);
    }

    #[test]
    fn info_is_json() {
        let (_, _, body) = route("/info");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["name"], "rust-hello");
    }

    #[test]
    fn unknown_path() {
        assert_eq!(route("/nope").0, 404);
    }
}
