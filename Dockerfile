# rolecall on a distroless static base, as a non-root user (uid 65532).
#   docker build -t rolecall .
#   docker run --rm rolecall demo
#   docker run --rm -e OPENAI_ADMIN_KEY -v "$PWD:/work" -w /work rolecall list --format json --output r.json
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/rolecall ./cmd/rolecall

FROM gcr.io/distroless/static:nonroot
COPY --from=build /out/rolecall /usr/local/bin/rolecall
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/rolecall"]
