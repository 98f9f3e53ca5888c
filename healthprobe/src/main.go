// Command appbuild-probe checks that an app is healthy, for an image's
// HEALTHCHECK on runtimes that have no shell and no curl.
//
//	appbuild-probe http://127.0.0.1:8080/healthz   # a 2xx or 3xx answer is healthy
//	appbuild-probe tcp://127.0.0.1:5432            # an accepted connection is healthy
//
// It exits 0 when healthy and 1 when not (2 is reserved by Docker), and says
// why on standard output, which Docker and podman keep in the health log.
//
// It speaks just enough HTTP/1.0 over package net, not net/http: the probe
// sits in every image, and net/http would make it four times larger. A
// health endpoint on the loopback needs no TLS, redirects or keep-alive.
package main

import (
	"bufio"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// timeout bounds one probe; the HEALTHCHECK's own timeout is usually longer,
// and a probe that hangs must not outlive it.
const timeout = 4 * time.Second

func main() {
	if len(os.Args) != 2 {
		fmt.Println("usage: appbuild-probe http://HOST:PORT/PATH | tcp://HOST:PORT")
		os.Exit(1)
	}
	if err := probe(os.Args[1]); err != nil {
		fmt.Println("unhealthy:", err)
		os.Exit(1)
	}
	fmt.Println("healthy")
}

func probe(target string) error {
	u, err := url.Parse(target)
	if err != nil {
		return err
	}
	switch u.Scheme {
	case "http":
		return probeHTTP(u)
	case "tcp":
		conn, err := net.DialTimeout("tcp", u.Host, timeout)
		if err != nil {
			return err
		}
		return conn.Close()
	default:
		return fmt.Errorf("unsupported scheme %q (use http or tcp)", u.Scheme)
	}
}

// probeHTTP sends one GET and reads the status line.
func probeHTTP(u *url.URL) error {
	conn, err := net.DialTimeout("tcp", u.Host, timeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	path := u.RequestURI()
	req := "GET " + path + " HTTP/1.0\r\nHost: " + u.Host + "\r\nUser-Agent: appbuild-probe\r\nConnection: close\r\n\r\n"
	if _, err := conn.Write([]byte(req)); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fmt.Errorf("%s: no answer: %w", u, err)
	}
	// "HTTP/1.1 204 No Content"
	fields := strings.Fields(line)
	if len(fields) < 2 || !strings.HasPrefix(fields[0], "HTTP/") {
		return fmt.Errorf("%s: not an HTTP answer: %q", u, strings.TrimSpace(line))
	}
	code, err := strconv.Atoi(fields[1])
	if err != nil {
		return fmt.Errorf("%s: bad status %q", u, fields[1])
	}
	if code < 200 || code >= 400 {
		return fmt.Errorf("%s answered %s", u, strings.Join(fields[1:], " "))
	}
	return nil
}
