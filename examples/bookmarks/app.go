package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/httprate"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/cors"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"

	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/framework/middleware"
)

// Config is what the service is made of. Every field but DB has a default.
type Config struct {
	DB       *pgxpool.Pool
	Logger   *slog.Logger         // nil: slog.Default()
	Origin   string               // the one origin CORS allows; "": none
	Rate     int                  // requests per minute per client IP; 0: 600
	Timeout  time.Duration        // for each request; 0: 5s
	MaxBody  int64                // bytes of a request body; 0: 64 KiB
	Tracing  trace.TracerProvider // nil: OpenTelemetry's global provider
	Registry *prometheus.Registry // metrics register here and /metrics reads them; nil: a new one
}

// newApp returns the bookmarks service.
func newApp(cfg Config) *framework.App {
	cfg = cfg.withDefaults()
	s := store{cfg.DB}

	app := framework.New()
	app.Logger = cfg.Logger
	app.ErrorRenderer = framework.JSONErrors // {"error": "..."} for every error
	// Outermost first: the request id before all that logs; the access log
	// around the rest, to log what they answer; traces and metrics around
	// the handlers, which Recover and Timeout guard.
	app.Use(
		middleware.RequestID(),
		middleware.AccessLog(middleware.AccessLogOptions{}),
		framework.FromHTTP(otelhttp.NewMiddleware("bookmarks", otelhttp.WithTracerProvider(cfg.Tracing))),
		framework.FromHTTP(metrics(cfg.Registry)),
		middleware.Recover(nil),
		middleware.Timeout(cfg.Timeout),
	)

	app.Get("/healthz", func(r *framework.Request) framework.Response {
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		if err := s.ping(ctx); err != nil {
			return framework.Error(err) // 503
		}
		return framework.JSON(map[string]string{"status": "ok"})
	})
	app.HandleHTTP(http.MethodGet, "/metrics", promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{}))

	app.Route("/bookmarks", func(api *framework.Group) {
		api.Use(
			framework.FromHTTP(cors.New(cors.Options{
				AllowedOrigins: []string{cfg.Origin},
				AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete},
				AllowedHeaders: []string{"Content-Type"},
			}).Handler),
			framework.FromHTTP(rateLimit(cfg.Rate)),
			framework.FromHTTP(maxBody(cfg.MaxBody)),
		)
		api.Get("/", framework.Bind(func(r *framework.Request, p listParams) framework.Response {
			bs, err := s.list(r.Context(), p.Tag, p.Limit)
			if err != nil {
				return framework.Error(err)
			}
			return framework.JSON(bs)
		}))
		api.Post("/", framework.Bind(func(r *framework.Request, in bookmarkInput) framework.Response {
			b, err := s.create(r.Context(), in)
			if err != nil {
				return framework.Error(err)
			}
			return framework.JSON(b).WithStatus(http.StatusCreated).WithHeader("Location", "/bookmarks/"+strconv.FormatInt(b.ID, 10))
		}))
		api.Get("/{id}", framework.Bind(func(r *framework.Request, p idParam) framework.Response {
			b, err := s.get(r.Context(), p.ID)
			if err != nil {
				return framework.Error(err) // pgx.ErrNoRows: 404
			}
			return framework.JSON(b)
		}))
		api.Put("/{id}", framework.Bind(func(r *framework.Request, p updateParams) framework.Response {
			b, err := s.update(r.Context(), p.ID, p.bookmarkInput)
			if err != nil {
				return framework.Error(err)
			}
			return framework.JSON(b)
		}))
		api.Delete("/{id}", framework.Bind(func(r *framework.Request, p idParam) framework.Response {
			if err := s.delete(r.Context(), p.ID); err != nil {
				return framework.Error(err)
			}
			return framework.Status(http.StatusNoContent)
		}))
	})
	return app
}

// withDefaults returns cfg with its zero fields set to their defaults.
func (cfg Config) withDefaults() Config {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Rate == 0 {
		cfg.Rate = 600
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 64 << 10
	}
	if cfg.Tracing == nil {
		cfg.Tracing = otel.GetTracerProvider()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	return cfg
}

// metrics returns net/http middleware that records the duration of every
// request in a histogram labelled with the route ("GET /bookmarks/{id}"),
// the method and the status.
func metrics(reg *prometheus.Registry) func(http.Handler) http.Handler {
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "http_request_duration_seconds", Help: "Time to answer a request, by route.",
		Buckets: prometheus.DefBuckets,
	}, []string{"code", "method", "route"})
	reg.MustRegister(duration)
	return func(next http.Handler) http.Handler {
		return promhttp.InstrumentHandlerDuration(duration, next,
			promhttp.WithLabelFromRequest("route", func(r *http.Request) string { return r.Pattern }))
	}
}

// rateLimit returns go-chi/httprate's limit of n requests a minute per
// client address, answering 429 through the app's ErrorRenderer.
func rateLimit(n int) func(http.Handler) http.Handler {
	clientIP := func(r *http.Request) (string, error) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		return httprate.CanonicalizeIP(host), err
	}
	return httprate.LimitBy(n, time.Minute, clientIP, httprate.WithLimitHandler(
		func(w http.ResponseWriter, r *http.Request) {
			framework.WriteError(w, r, &framework.HTTPError{Code: http.StatusTooManyRequests})
		}))
}

// maxBody returns net/http middleware that bounds request bodies to n
// bytes: reading more fails with *http.MaxBytesError, answered 413.
func maxBody(n int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, n)
			next.ServeHTTP(w, r)
		})
	}
}

// listParams are the query of GET /bookmarks.
type listParams struct {
	Tag   string `query:"tag"`
	Limit int    `query:"limit"`
}

// Validate defaults and bounds the limit.
func (p *listParams) Validate() error {
	if p.Limit == 0 {
		p.Limit = 50
	}
	if p.Limit < 1 || p.Limit > 100 {
		return framework.Invalid("limit", "must be between 1 and 100")
	}
	return nil
}

// idParam is a bookmark's id from the path.
type idParam struct {
	ID int64 `path:"id"`
}

// bookmarkInput is the JSON body of POST and PUT.
type bookmarkInput struct {
	URL   string   `json:"url"`
	Title string   `json:"title"`
	Tags  []string `json:"tags"`
}

// updateParams are the id and the body of PUT /bookmarks/{id}.
type updateParams struct {
	ID int64 `path:"id"`
	bookmarkInput
}

// Validate checks every field and reports all that are wrong in one 422.
func (in *bookmarkInput) Validate() error {
	var errs []error
	if u, err := url.Parse(in.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, framework.Invalid("url", "must be an absolute http or https URL"))
	}
	if t := strings.TrimSpace(in.Title); t == "" || len(t) > 200 {
		errs = append(errs, framework.Invalid("title", "must be 1 to 200 characters"))
	}
	if len(in.Tags) > 10 {
		errs = append(errs, framework.Invalid("tags", "at most 10"))
	}
	for _, t := range in.Tags {
		if t == "" || len(t) > 30 || strings.ContainsAny(t, " ,") {
			errs = append(errs, framework.Invalid("tags", "%q is not a tag (1 to 30 characters, no spaces or commas)", t))
			break
		}
	}
	return errors.Join(errs...)
}

// tags are the tags to store: none is an empty array, not NULL.
func (in bookmarkInput) tags() []string {
	if in.Tags == nil {
		return []string{}
	}
	return in.Tags
}
