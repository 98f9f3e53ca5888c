package com.example.hello;

/** The greeting; the integration tests change this file to check a code-only rebuild. */
final class Greeting {
    private Greeting() {}

    static String message() {
        return "hello from appbuild (java, maven)";
    }
}
