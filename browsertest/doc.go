// Package browsertest checks rolecall's HTML report in a real browser:
// headless Chromium (Debian's chromium package), driven by chromedp. It is
// a module of its own so that rolecall's module does not depend on
// chromedp, and 'make test' does not need a browser: 'make test-browser'
// runs it, and .ci/run installs Chromium first. Without Chromium the tests
// skip, except where CI=true, where they fail.
package browsertest
