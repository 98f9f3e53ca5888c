// Command appbuild-probe checks that an app is healthy, for an image's
// HEALTHCHECK on runtimes that have no shell and no curl.
//
//	appbuild-probe http://127.0.0.1:8080/healthz   # 2xx or 3xx is healthy
//	appbuild-probe tcp://127.0.0.1:5432            # an accepted connection is healthy
//
// It exits 0 when healthy and 1 when not (2 is reserved by Docker), and says
// why on standard output, which Docker and podman keep in the health log.
package main

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
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
	case "http", "https":
		return probeHTTP(u.String())
	case "tcp":
		conn, err := net.DialTimeout("tcp", u.Host, timeout)
		if err != nil {
			return err
		}
		return conn.Close()
	default:
		return fmt.Errorf("unsupported scheme %q", u.Scheme)
	}
}

func probeHTTP(target string) error {
	client := &http.Client{
		Timeout: timeout,
		// A redirect to another host is the app's business, not health.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Get(target)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return fmt.Errorf("%s answered %s", target, resp.Status)
	}
	return nil
}
