//! `barometer serve` on a copy of the project: the published site's bytes
//! over HTTP, 404 for a missing file, a path leaving the site refused, a
//! rebuild on an edited configuration, the last good site kept (and the
//! error named) when the configuration turns invalid, Ctrl-C ends it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::path_str;
use crate::pipeline::{Project, tool};

/// The running server; killed when dropped, also when a test fails.
struct Served {
    child: Child,
    out: Arc<Mutex<String>>,
    err: Arc<Mutex<String>>,
    addr: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Collects what `from` prints, line by line, as it comes.
fn collect(from: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let into = Arc::clone(&text);
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines().map_while(Result::ok) {
            into.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    text
}

/// Polls `check` every 100 ms until it gives something or `limit` passes.
fn wait_for<T>(limit: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(t) = check() {
            return t;
        }
        assert!(start.elapsed() < limit, "waited {limit:?} for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Served {
    fn start(p: &Project) -> Served {
        let (c, i, o) = (p.p("config"), p.p("inputs"), p.p("outputs"));
        let mut child = tool()
            .args(["serve", "--port", "0", "--config", path_str(&c), "--inputs", path_str(&i), "--out", path_str(&o)])
            .env("CI", "true")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the barometer binary runs");
        let out = collect(child.stdout.take().unwrap());
        let err = collect(child.stderr.take().unwrap());
        let mut served = Served { child, out, err, addr: String::new() };
        // The first build is a whole one.
        served.addr = wait_for(Duration::from_secs(600), "the address", || {
            if let Ok(Some(status)) = served.child.try_wait() {
                panic!("serve ended with {status}: {}", served.err.lock().unwrap());
            }
            let out = served.out.lock().unwrap();
            let line = out.lines().find(|l| l.starts_with("serving "))?;
            Some(line.split_once(" at http://")?.1.trim_end_matches('/').to_string())
        });
        served
    }

    /// Sends a request as written (an HTTP client would tidy `..` away;
    /// HTTP/1.0, so the body comes whole rather than in chunks)
    /// and returns the status, the head and the body.
    fn ask(&self, method: &str, target: &str) -> (u16, String, Vec<u8>) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        write!(s, "{method} {target} HTTP/1.0\r\nHost: {}\r\nConnection: close\r\n\r\n", self.addr).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a response head");
        let head = String::from_utf8(raw[..split].to_vec()).unwrap();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, head, raw[split + 4..].to_vec())
    }

    fn get(&self, target: &str) -> (u16, Vec<u8>) {
        let (status, _, body) = self.ask("GET", target);
        (status, body)
    }
}

fn has_header(head: &str, name: &str, value: &str) -> bool {
    head.lines().any(|l| l.split_once(':').is_some_and(|(n, v)| n.eq_ignore_ascii_case(name) && v.trim() == value))
}

#[test]
fn serves_the_site_and_rebuilds_on_change() {
    let p = Project::new();
    let s = Served::start(&p);
    let out = s.out.lock().unwrap().clone();
    assert!(out.starts_with("built 4 chapters"), "{out}");
    assert!(out.contains(&format!("watching {} and {} (Ctrl-C stops)\n", p.p("config").display(), p.p("inputs").display())), "{out}");

    // The published files, as they are on disk.
    let index = std::fs::read(p.p("outputs/site/index.html")).unwrap();
    let (status, head, body) = s.ask("GET", "/index.html");
    assert_eq!(status, 200);
    assert!(has_header(&head, "Content-Type", "text/html; charset=utf-8"), "{head}");
    assert!(body == index, "the page's bytes");
    assert_eq!(s.get("/"), (200, index.clone()), "a folder is its index.html");
    let (status, head, body) = s.ask("HEAD", "/index.html");
    assert_eq!((status, body.len()), (200, 0));
    assert!(has_header(&head, "Content-Length", &index.len().to_string()), "{head}");
    let css = std::fs::read(p.p("outputs/site/assets/site.css")).unwrap();
    let (status, head, body) = s.ask("GET", "/assets/site.css");
    assert_eq!(status, 200);
    assert!(has_header(&head, "Content-Type", "text/css; charset=utf-8") && body == css, "{head}");
    let (status, head, _) = s.ask("GET", "/tema/borgere-2018");
    assert_eq!(status, 301);
    assert!(has_header(&head, "Location", "/tema/borgere-2018/"), "{head}");

    // Missing, outside the site, other methods.
    assert_eq!(s.get("/nowhere.html").0, 404);
    for outside in ["/../Cargo.toml", "/%2e%2e/Cargo.toml", "/tema/%2E%2E%2F..%2FCargo.toml", "/../../../../etc/passwd"] {
        let (status, body) = s.get(outside);
        assert_eq!((status, String::from_utf8(body).unwrap().as_str()), (403, "outside the site\n"), "{outside}");
    }
    let (status, head, _) = s.ask("POST", "/index.html");
    assert_eq!(status, 405);
    assert!(has_header(&head, "Allow", "GET, HEAD"), "{head}");

    // An edited chapter title is served after the rebuild.
    let theme = "/tema/borgere-2018/index.html";
    p.edit("config/chapters/borgere-2018.toml", "title = \"HØST BORGERNES IDEER\"", "title = \"HØST NYE IDEER\"");
    let started = Instant::now();
    wait_for(Duration::from_secs(20), "the new title", || {
        let (status, body) = s.get(theme);
        (status == 200 && String::from_utf8(body).unwrap().contains("<h1>HØST NYE IDEER</h1>")).then_some(())
    });
    eprintln!("rebuilt and served in {:?}", started.elapsed());
    // One rebuild for one edit; the build's own reads of config/ do not start another.
    std::thread::sleep(Duration::from_secs(1));
    let builds = s.out.lock().unwrap().lines().filter(|l| l.starts_with("built ")).count();
    assert_eq!(builds, 2, "{}", s.out.lock().unwrap());
    let good = std::fs::read(p.p("outputs/site/tema/borgere-2018/index.html")).unwrap();

    // An invalid configuration: the error as `build` gives it, the last good site still served.
    p.edit("config/chapters/borgere-2018.toml", "title = \"HØST NYE IDEER\"", "title = \"HØST NYE IDEER");
    let error = wait_for(Duration::from_secs(20), "the error", || s.err.lock().unwrap().lines().find(|l| l.starts_with("error: ")).map(str::to_string));
    let file = p.p("config/chapters/borgere-2018.toml");
    assert_eq!(error, format!("error: {}: TOML parse error at line 2, column 24", file.display()));
    assert_eq!(s.get(theme), (200, good));

    // Ctrl-C ends it cleanly.
    let mut s = s;
    let kill = std::process::Command::new("kill").args(["-INT", &s.child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let status = wait_for(Duration::from_secs(20), "the end", || s.child.try_wait().unwrap());
    assert!(status.success(), "{status}");
    wait_for(Duration::from_secs(5), "the last line", || s.out.lock().unwrap().ends_with("stopped\n").then_some(()));
}
