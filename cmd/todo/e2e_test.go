package main

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The end-to-end test drives a real browser (Debian's Chromium, headless)
// against the app served by the engine, the way a person would use it. It
// is skipped, saying why, when no Chromium is installed.

// findChromium returns the Chromium binary, or "" with the reason.
func findChromium() (string, string) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, ""
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", ""
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, ""
		}
	}
	return "", "no /usr/bin/chromium and no chromium on PATH (apt-get install chromium, or set CHROMIUM)"
}

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	chromium, why := findChromium()
	if chromium == "" {
		t.Skip("chromium not found: " + why)
	}
	base, _ := startTodo(t)

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	defer cancelTimeout()

	do := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	text := func(name string, css string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return strings.TrimSpace(s)
	}

	// Open the list, fill in the form, submit it: the new item shows.
	do("add a todo",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("task")),
		chromedp.SendKeys(chromedp.ID("task"), "Water the plants"),
		chromedp.Click(chromedp.ID("add")),
		chromedp.WaitVisible(chromedp.ID("todos")),
	)
	if list := text("list", "#todos"); !strings.Contains(list, "Water the plants") {
		t.Fatalf("list after submit: %q", list)
	}
	// A second one, placed first with the position field.
	do("add at position 1",
		chromedp.WaitVisible(chromedp.ID("task")),
		chromedp.SendKeys(chromedp.ID("task"), "Feed the cat"),
		chromedp.SendKeys(chromedp.ID("pos"), "1"),
		chromedp.Click(chromedp.ID("add")),
		chromedp.WaitVisible(chromedp.CSS("#todos li:nth-child(2)")),
	)
	list := text("list", "#todos")
	if i, j := strings.Index(list, "Feed the cat"), strings.Index(list, "Water the plants"); i < 0 || j < 0 || i > j {
		t.Fatalf("list after second submit: %q", list)
	}

	// Search for it through the search form.
	do("search",
		chromedp.Navigate(base+"/search"),
		chromedp.WaitVisible(chromedp.ID("q")),
		chromedp.SendKeys(chromedp.ID("q"), "plants"),
		chromedp.Click(chromedp.ID("search")),
		chromedp.WaitVisible(chromedp.ID("summary")),
	)
	summary, found := text("summary", "#summary"), text("found", "#todos")
	if !strings.Contains(summary, "1 todo(s)") || !strings.Contains(found, "Water the plants") || strings.Contains(found, "cat") {
		t.Fatalf("search: %q / %q", summary, found)
	}

	// The session counter counts up on every reload, as an HTML page.
	do("counter", chromedp.Navigate(base+"/counter"), chromedp.WaitVisible(chromedp.ID("message")))
	for want := 1; want <= 3; want++ {
		if got := text("counter", "#message"); got != strconv.Itoa(want) {
			t.Fatalf("counter shows %q, want %d", got, want)
		}
		do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("message")))
	}

	// Log in through the form page, reached from the nav.
	do("login form",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`nav a[href="/login"]`)),
		chromedp.Click(chromedp.CSS(`nav a[href="/login"]`)),
		chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.SendKeys(chromedp.ID("user"), "ada"),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("message")),
	)
	if got := text("login", "#message"); got != "logged in as ada" {
		t.Fatalf("after login: %q", got)
	}
	do("whoami", chromedp.Navigate(base+"/whoami"), chromedp.WaitVisible(chromedp.ID("message")))
	if got := text("whoami", "#message"); got != "ada" {
		t.Fatalf("whoami: %q", got)
	}

	// Add a todo, then delete it with its button.
	do("add another",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("task")),
		chromedp.SendKeys(chromedp.ID("task"), "Call mum"),
		chromedp.Click(chromedp.ID("add")),
		chromedp.WaitVisible(chromedp.CSS("#todos li:nth-child(3)")),
	)
	if list := text("list", "#todos"); !strings.Contains(list, "Call mum") {
		t.Fatalf("list after adding: %q", list)
	}
	do("delete it",
		chromedp.Click(chromedp.ID("delete-3")),
		chromedp.WaitNotPresent(chromedp.CSS("#todos li:nth-child(3)")),
	)
	list = text("list", "#todos")
	if strings.Contains(list, "Call mum") || !strings.Contains(list, "Feed the cat") || !strings.Contains(list, "Water the plants") {
		t.Fatalf("list after deleting: %q", list)
	}

	// The stylesheet applies: the page is laid out by /static/style.css.
	font, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.body).fontFamily`))
	if err != nil {
		t.Fatalf("computed style: %v", err)
	}
	if !strings.Contains(font, "system-ui") {
		t.Fatalf("body font %q: the stylesheet did not load", font)
	}

	// Close the browser and wait for it before the leak check.
	cancelTimeout()
	if err := chromedp.Cancel(ctx); err != nil && err != context.Canceled {
		t.Logf("closing the browser: %v", err)
	}
	cancelAlloc()
}
