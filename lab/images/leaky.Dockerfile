# leaky: 127.0.0.1:5000/plant/leaky:1 — leaks memory until a memory limit OOM-kills it
# (see leaky.sh). Run it with e.g. `--memory 32m`.
FROM scratch
COPY rootfs/ /
COPY leaky.sh /bin/leaky
LABEL org.plantdeck.image="leaky" \
      org.plantdeck.version="1"
ENV PATH=/bin \
    LEAKY_STEP_MB=1 \
    LEAKY_INTERVAL=0.2
CMD ["/bin/leaky"]
