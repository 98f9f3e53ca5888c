/// The answer of GET /.
pub fn greeting() -> &'static str {
    "hello from appbuild (rust)"
}
