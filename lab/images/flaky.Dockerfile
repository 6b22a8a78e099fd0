# flaky: 127.0.0.1:5000/plant/flaky:1 — health check that turns unhealthy and recovers, in
# cycles of FLAKY_UP / FLAKY_DOWN seconds (see flaky.sh).
FROM scratch
COPY rootfs/ /
COPY flaky.sh /bin/flaky
LABEL org.plantdeck.image="flaky" \
      org.plantdeck.version="1"
ENV PATH=/bin \
    FLAKY_UP=20 \
    FLAKY_DOWN=20
HEALTHCHECK --interval=2s --timeout=2s --start-period=1s --retries=2 CMD ["/bin/flaky", "health"]
CMD ["/bin/flaky"]
