# syntax=docker/dockerfile:1
# The ebpipe agent of docker-compose.yml, built from this repository by the same script the
# README's quick start runs: scripts/setup.sh installs Debian's toolchain and libbpf, fetches the
# pinned Node.js 24 into the cache, installs the npm packages, and builds the BPF objects, the
# native addon and the TypeScript (make all). The runtime stage keeps the built tree, that
# Node.js and the shared libraries the addon links (libbpf, libelf, zlib).
ARG DEBIAN_IMAGE=debian:12.11-slim

FROM ${DEBIAN_IMAGE} AS build
ENV DEBIAN_FRONTEND=noninteractive EBPIPE_CACHE=/opt/ebpipe-cache
RUN apt-get update -q && apt-get install -y -q --no-install-recommends ca-certificates
WORKDIR /opt/ebpipe
COPY . .
RUN bash scripts/setup.sh

FROM ${DEBIAN_IMAGE}
ENV DEBIAN_FRONTEND=noninteractive EBPIPE_CACHE=/opt/ebpipe-cache
RUN apt-get update -q \
    && apt-get install -y -q --no-install-recommends ca-certificates libbpf1 libelf1 zlib1g \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/ebpipe-cache/node /opt/ebpipe-cache/node
COPY --from=build /opt/ebpipe /opt/ebpipe
RUN ln -s /opt/ebpipe/bin/ebpipe /usr/local/bin/ebpipe && ebpipe validate /opt/ebpipe/pipelines/default.yaml
ENTRYPOINT ["ebpipe"]
CMD ["run", "-c", "/etc/ebpipe/pipeline.yaml"]
