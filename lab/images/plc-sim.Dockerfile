# plc-sim: 127.0.0.1:5000/plant/plc-sim:{1,2,bad} — a pretend PLC (see plc-sim.sh).
# Built offline by lab/plantdeck-lab from a busybox rootfs; the build context is
# LAB_DIR/build/context (rootfs/ plus the files of this directory).
#   :1    --build-arg PLC_VERSION=1
#   :2    --build-arg PLC_VERSION=2                   (other label, env and log lines)
#   :bad  --build-arg PLC_VERSION=bad --build-arg PLC_FAIL=1   (exits 1 at once)
FROM scratch
COPY rootfs/ /
COPY plc-sim.sh /bin/plc-sim
ARG PLC_VERSION=1
ARG PLC_FAIL=0
LABEL org.plantdeck.image="plc-sim" \
      org.plantdeck.version="${PLC_VERSION}"
ENV PATH=/bin \
    PLC_VERSION=${PLC_VERSION} \
    PLC_FAIL=${PLC_FAIL}
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=2s --timeout=2s --start-period=1s --retries=2 CMD ["/bin/plc-sim", "health"]
CMD ["/bin/plc-sim"]
