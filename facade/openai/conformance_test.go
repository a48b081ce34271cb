package openai_test

import (
	"testing"

	"github.com/rolecall/rolecall/facade/facadetest"
)

func TestConformance(t *testing.T) {
	facadetest.RunConformanceTests(t, facadetest.HarnessFor("openai"))
}
