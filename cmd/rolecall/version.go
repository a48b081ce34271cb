package main

import (
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
)

var versionCommand = &command{
	name:     "version",
	args:     "",
	summary:  "print rolecall's version",
	about:    "Print the module version rolecall was built from (\"devel\" for a build from a work tree), its VCS revision when known, and the Go version.",
	examples: "rolecall version",
	run:      runVersion,
}

// readBuildInfo is debug.ReadBuildInfo; tests replace it.
var readBuildInfo = debug.ReadBuildInfo

// version returns the module version and, when the build recorded it, the
// VCS revision.
func version() (v, revision string) {
	v = "devel"
	info, ok := readBuildInfo()
	if !ok {
		return v, ""
	}
	if mv := info.Main.Version; mv != "" && mv != "(devel)" {
		v = mv
	}
	var modified bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
			if len(revision) > 12 {
				revision = revision[:12]
			}
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if revision != "" && modified {
		revision += "-dirty"
	}
	return v, revision
}

func runVersion(a *app, cmd *command, args []string) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	pos, done, code := a.parse(cmd, fs, args)
	if done {
		return code
	}
	if len(pos) > 0 {
		return a.usage(cmd, usageErrorf("unexpected argument %q", pos[0]))
	}
	v, rev := version()
	if rev != "" {
		fmt.Fprintf(a.stdout, "rolecall %s (%s, %s)\n", v, rev, runtime.Version())
	} else {
		fmt.Fprintf(a.stdout, "rolecall %s (%s)\n", v, runtime.Version())
	}
	return exitOK
}
