// Package deps pins the module dependencies that helpers add before their first import.

package deps
import (
 _ "github.com/panjf2000/ants/v2"
 _ "github.com/puzpuzpuz/xsync/v3"
 _ "github.com/google/uuid"
 _ "go.uber.org/goleak"
 _ "github.com/HdrHistogram/hdrhistogram-go"
 _ "github.com/chromedp/chromedp"
)
