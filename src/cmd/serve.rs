//! `barometer serve`: builds, serves the published site on 127.0.0.1 and
//! rebuilds when config/ or inputs/ change, as `mdbook serve` does. A
//! failed rebuild is printed as `build` prints it; the last good site stays
//! published (publishing never leaves half-written outputs), so it stays served.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};
use tiny_http::{Header, Method, Request, Response, Server};

use barometer::error::{Error, Result};

use super::Global;

/// How long the files must be quiet before a rebuild: an editor's save is
/// often several writes.
const SETTLE: Duration = Duration::from_millis(300);

pub fn run(g: &Global, port: u16) -> Result<String> {
    print!("{}", super::build::run(g, false, None, false)?);
    // From here Ctrl-C (or a plain kill) ends the loop below between builds;
    // a second Ctrl-C ends the process at once.
    let stop = Arc::new(AtomicBool::new(false));
    let signals = || -> std::io::Result<()> {
        use signal_hook::{consts, flag};
        flag::register_conditional_shutdown(consts::SIGINT, 130, Arc::clone(&stop))?;
        flag::register(consts::SIGINT, Arc::clone(&stop))?;
        flag::register(consts::SIGTERM, Arc::clone(&stop))?;
        Ok(())
    };
    signals().map_err(|e| Error::internal(format!("cannot handle Ctrl-C: {e}")))?;

    let server = Server::http(("127.0.0.1", port))
        .map_err(|e| Error::Usage(format!("cannot listen on 127.0.0.1:{port}: {e}; choose another port with --port")))?;
    let addr = server.server_addr().to_ip().ok_or_else(|| Error::internal("the server has no IP address"))?;
    let root = g.paths.out.join("site");
    println!("serving {} at http://{addr}/", root.display());
    // The server lives as long as the process: the thread ends with it.
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            answer(&root, request);
        }
    });

    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(tx).map_err(|e| Error::internal(format!("cannot watch files: {e}")))?;
    for dir in [&g.paths.config, &g.paths.inputs] {
        watcher.watch(dir, RecursiveMode::Recursive).map_err(|e| Error::internal(format!("cannot watch {}: {e}", dir.display())))?;
    }
    println!("watching {} and {} (Ctrl-C stops)", g.paths.config.display(), g.paths.inputs.display());

    while !stop.load(Ordering::Relaxed) {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(event) if changes(&event) => {
                // Wait until the files are quiet, then build as `barometer
                // build` does: incremental, its error printed the same way;
                // the site served stays the last good one.
                while let Ok(more) = rx.recv_timeout(SETTLE) {
                    changes(&more);
                }
                match super::build::run(g, false, None, false) {
                    Ok(out) => print!("{out}"),
                    Err(err) => eprintln!("error: {err}"),
                }
            }
            Ok(_) | Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return Err(Error::internal("the file watcher stopped")),
        }
    }
    Ok("stopped\n".to_string())
}

/// Whether a watcher's event is a change; the build's own reads (opening a
/// file) are not, or every build would start the next.
fn changes(event: &notify::Result<notify::Event>) -> bool {
    match event {
        Ok(e) => !matches!(e.kind, EventKind::Access(_)),
        Err(e) => {
            eprintln!("warning: watching files: {e}");
            false
        }
    }
}

/// Answers one request from the files under `root`.
fn answer(root: &Path, request: Request) {
    let response = if !matches!(request.method(), Method::Get | Method::Head) {
        text(405, "only GET and HEAD\n").with_header(header("Allow", "GET, HEAD"))
    } else {
        match resolve(root, request.url()) {
            Target::File(path) => match std::fs::read(&path) {
                Ok(bytes) => Response::from_data(bytes).with_header(header("Content-Type", content_type(&path))),
                Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) => text(404, "not found\n"),
                Err(e) => text(500, &format!("cannot read {}: {e}\n", path.display())),
            },
            Target::Slash(to) => text(301, "").with_header(header("Location", &to)),
            Target::Outside => text(403, "outside the site\n"),
            Target::Bad => text(400, "bad path\n"),
        }
    };
    // Pages change on every rebuild: the browser must not keep old ones.
    let response = response.with_header(header("Cache-Control", "no-store"));
    // A client that went away is not the server's problem.
    let _ = request.respond(response);
}

fn text(status: u16, body: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    Response::from_data(body.as_bytes().to_vec()).with_status_code(status).with_header(header("Content-Type", "text/plain; charset=utf-8"))
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("ASCII header")
}

/// Where a request's path leads.
#[derive(Debug, PartialEq)]
enum Target {
    File(PathBuf),
    /// A folder asked for without its slash: its page's relative links need it.
    Slash(String),
    /// `..` would leave the site (also spelled `%2e%2e`).
    Outside,
    /// Not UTF-8, or a byte no file name has.
    Bad,
}

/// The file a URL names under `root`; a folder means its index.html.
fn resolve(root: &Path, url: &str) -> Target {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let Ok(decoded) = percent_encoding::percent_decode_str(path).decode_utf8() else {
        return Target::Bad;
    };
    let mut file = root.to_path_buf();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => return Target::Outside,
            s if s.contains(['\\', '\0']) => return Target::Bad,
            s => file.push(s),
        }
    }
    if file.is_dir() {
        if !path.ends_with('/') {
            return Target::Slash(format!("{path}/"));
        }
        file.push("index.html");
    }
    Target::File(file)
}

/// The media type of the site's kinds of file, by extension.
fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "pdf" => "application/pdf",
        "csv" => "text/csv; charset=utf-8",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "ttf" => "font/ttf",
        "woff2" => "font/woff2",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_site() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("tema/a")).unwrap();
        assert_eq!(resolve(root, "/"), Target::File(root.join("index.html")));
        assert_eq!(resolve(root, "/tema/a/"), Target::File(root.join("tema/a/index.html")));
        assert_eq!(resolve(root, "/tema/a"), Target::Slash("/tema/a/".into()));
        assert_eq!(resolve(root, "/tema/a?x=1"), Target::Slash("/tema/a/".into()));
        assert_eq!(resolve(root, "/metode.html?x#y"), Target::File(root.join("metode.html")));
        assert_eq!(resolve(root, "/tema/%C3%A6.html"), Target::File(root.join("tema/æ.html")));
        for outside in ["/../Cargo.toml", "/%2e%2e/Cargo.toml", "/%2E%2E%2FCargo.toml", "/tema/../../x", "/.%2e/x"] {
            assert_eq!(resolve(root, outside), Target::Outside, "{outside}");
        }
        assert_eq!(resolve(root, "/a%5C..%5Cx"), Target::Bad);
        assert_eq!(resolve(root, "/%FF"), Target::Bad);
        assert_eq!(resolve(root, "/a%00"), Target::Bad);
    }

    #[test]
    fn the_site_s_files_have_their_media_types() {
        let types: Vec<&str> = ["a.html", "s.css", "c.svg", "c.png", "h.pdf", "d.csv", "m.json", "f.ttf", "t.xlsx", "x"].iter().map(|p| content_type(Path::new(p))).collect();
        assert_eq!(
            types,
            [
                "text/html; charset=utf-8",
                "text/css; charset=utf-8",
                "image/svg+xml",
                "image/png",
                "application/pdf",
                "text/csv; charset=utf-8",
                "application/json",
                "font/ttf",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "application/octet-stream"
            ]
        );
    }
}
