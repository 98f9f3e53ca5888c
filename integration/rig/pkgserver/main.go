package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// commands are pkgserver's subcommands; each parses its own flags.
var commands = map[string]func(args []string) error{
	"build-python": buildPython,
	"build-cargo":  buildCargo,
	"build-maven":  buildMaven,
	"serve":        serve,
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("pkgserver: ")
	if len(os.Args) < 2 || commands[os.Args[1]] == nil {
		log.Fatalf("usage: pkgserver %s ... (doc.go says what each does)", strings.Join(commandNames(), "|"))
	}
	if err := commands[os.Args[1]](os.Args[2:]); err != nil {
		log.Fatalf("%s: %v", os.Args[1], err)
	}
}

func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// buildFlags parses what every build-* command takes: -out (required), -epoch
// (the time written into archives, SOURCE_DATE_EPOCH) and at least one input.
func buildFlags(cmd string, args []string) (out string, mtime time.Time, inputs []string, err error) {
	fl := flag.NewFlagSet(cmd, flag.ContinueOnError)
	o := fl.String("out", "", "output directory")
	epoch := fl.Int64("epoch", 1767225600, "time of every archive entry (SOURCE_DATE_EPOCH)")
	if err := fl.Parse(args); err != nil {
		return "", time.Time{}, nil, err
	}
	if *o == "" || fl.NArg() == 0 {
		return "", time.Time{}, nil, fmt.Errorf("usage: pkgserver %s -out DIR [-epoch N] INPUT...", cmd)
	}
	return *o, time.Unix(*epoch, 0).UTC(), fl.Args(), nil
}

// rootFlags is buildFlags for the commands that read one ROOT, where all the
// packages are unpacked together (as one system: links between them resolve).
func rootFlags(cmd string, args []string) (out string, mtime time.Time, root string, err error) {
	out, mtime, inputs, err := buildFlags(cmd, args)
	if err == nil && len(inputs) != 1 {
		err = fmt.Errorf("%s takes one ROOT, where the packages are unpacked", cmd)
	}
	if err != nil {
		return "", time.Time{}, "", err
	}
	return out, mtime, inputs[0], nil
}

// writeFile writes a file of the served tree, making its directory.
func writeFile(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	return os.WriteFile(name, data, 0o644)
}
