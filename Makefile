# quench: common tasks. Only Go is needed for everything except the cuda
# targets.
GO ?= go

.PHONY: all build test test-short bench vet fmt run cuda clean

all: vet test build

build:
	$(GO) build -o build/quench ./cmd/quench

test:
	$(GO) test ./...

test-short:
	$(GO) test -short ./...

# Throughput benchmarks (flips/ns, GB/s); -cpu 1 gives the per-core figure.
bench:
	$(GO) test -run XXX -bench . -cpu 1,$$(nproc) ./bench

vet:
	$(GO) vet ./...
	$(GO) vet -tags cuda ./...

fmt:
	gofmt -w .

run:
	$(GO) run ./cmd/quench run

# The CLI built with the cuda tag (the CUDA backend is the next milestone;
# today this build reports that it is not implemented yet).
cuda:
	$(GO) build -tags cuda -o build/quench-cuda ./cmd/quench

clean:
	rm -rf build runs
