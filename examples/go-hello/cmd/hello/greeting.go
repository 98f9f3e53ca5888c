package main

// greeting is kept in its own file so tests can change one source file and
// watch the dependency step stay cached.
func greeting() string { return "hello from appbuild" }
