package main

// build-maven: the /usr/share/maven-repo trees of Debian's packaged Maven
// plugins and libraries, unpacked together under ROOT, become one Maven
// repository in the standard layout (DIR/<group path>/<artifact>/<version>/).
// Debian links most of the repository's files elsewhere (jars to
// /usr/share/java, poms between versions), with absolute or relative links
// that name paths of the installed system: every link is resolved inside
// ROOT, as if ROOT were /, and replaced by the file or directory it names.
// Links that name a file no unpacked package ships are left out and
// reported.

import (
	"fmt"
	"io/fs"
	"log"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// mavenRepo is where Debian's Maven packages install their repository.
const mavenRepo = "usr/share/maven-repo"

func buildMaven(args []string) error {
	out, _, root, err := rootFlags("build-maven", args)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(filepath.Join(root, mavenRepo)); err != nil || !fi.IsDir() {
		return fmt.Errorf("no /%s in %s", mavenRepo, root)
	}
	c := copier{root: root}
	if err := c.copyDir(mavenRepo, out, map[string]bool{}); err != nil {
		return err
	}
	for _, m := range c.missing {
		log.Printf("build-maven: left out %s", m)
	}
	log.Printf("build-maven: %d files in %s (%d links name files no package ships)", c.files, out, len(c.missing))
	return nil
}

// copier copies a tree of ROOT with its links resolved inside ROOT.
type copier struct {
	root    string
	files   int
	missing []string // the links that name nothing, with why
}

// copyDir copies the directory dir (a clean path relative to root, links in
// it already resolved) to dst. active holds the directories being copied,
// so that a link to one of them cannot loop.
func (c *copier) copyDir(dir, dst string, active map[string]bool) error {
	if active[dir] {
		return fmt.Errorf("/%s: a link loops back to it", dir)
	}
	active[dir] = true
	defer delete(active, dir)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(filepath.Join(c.root, dir))
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := path.Join(dir, e.Name())
		target, err := resolveIn(c.root, name)
		var fi fs.FileInfo
		if err == nil {
			fi, err = os.Stat(filepath.Join(c.root, target))
		}
		if err != nil && e.Type()&fs.ModeSymlink != 0 {
			// cp -L's "cannot stat": the package names a file it does
			// not ship (another package, not in the list, would).
			c.missing = append(c.missing, fmt.Sprintf("/%s: %v", name, err))
			continue
		} else if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			err = c.copyDir(target, filepath.Join(dst, e.Name()), active)
		case fi.Mode().IsRegular():
			err = c.copyFile(target, filepath.Join(dst, e.Name()), fi.Mode())
		default:
			err = fmt.Errorf("/%s: not a file or directory (%s)", name, fi.Mode().Type())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// copyFile copies the regular file name (relative to root) to dst, with
// 0755 when it is executable, else 0644.
func (c *copier) copyFile(name, dst string, mode fs.FileMode) error {
	data, err := os.ReadFile(filepath.Join(c.root, name))
	if err != nil {
		return err
	}
	perm := fs.FileMode(0o644)
	if mode&0o111 != 0 {
		perm = 0o755
	}
	c.files++
	return os.WriteFile(dst, data, perm)
}

// resolveIn resolves every link in name (a slash path relative to root) as
// the system unpacked in root would, with root as /: absolute targets start
// again at root and ".." never leaves it. It returns the clean path,
// relative to root, of what name finally names (which may not exist).
func resolveIn(root, name string) (string, error) {
	var done []string // resolved components, no links among them
	todo := strings.Split(name, "/")
	for links := 0; len(todo) > 0; {
		part := todo[0]
		todo = todo[1:]
		switch part {
		case "", ".":
			continue
		case "..":
			if len(done) > 0 {
				done = done[:len(done)-1]
			}
			continue
		}
		cur := path.Join(append(done, part)...)
		fi, err := os.Lstat(filepath.Join(root, cur))
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			// A missing component ends the resolution's meaning but not
			// its path: the caller's Stat reports it.
			done = append(done, part)
			continue
		}
		if links++; links > 255 {
			return "", fmt.Errorf("/%s: too many levels of links", name)
		}
		t, err := os.Readlink(filepath.Join(root, cur))
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(t, "/") {
			done = done[:0]
		}
		todo = append(strings.Split(t, "/"), todo...)
	}
	return path.Join(done...), nil
}
