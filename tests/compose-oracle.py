#!/usr/bin/env python3
"""compose-oracle.py: compare what docker-compose 1.29 and plantdeck created
for the same stack file on one engine, field by field, apart from names and
labels (tests/compose-oracle.sh gathers the inspect documents).

Usage: compose-oracle.py DIR PROJECT STACK [--pool CIDR]...

DIR holds {compose,plantdeck}-{containers,networks,volumes}.json, each the
JSON array `docker inspect` / `docker network inspect` / `docker volume
inspect` print.  PROJECT is the compose project, STACK plantdeck's stack.
--pool names the engine's default address pools: a subnet the engine chose
from one (a network whose file gives no ipam) is compared by its size only.

Containers are paired by service (com.docker.compose.service,
io.plantdeck.service), networks and volumes by their key in the file
(PROJECT_KEY and STACK_KEY are KEY; any other name is "NAME (unprefixed)":
external networks, none, and a name that should have had the prefix, which
so never pairs with a prefixed one).  Each field
below is read from both sides, normalised (what the engine reports in two
spellings for one meaning becomes one value) and compared; every
difference not in ALLOW is printed as

    DIFF KIND WHAT: FIELD: compose=VALUE plantdeck=VALUE

and the exit status is 1.  Adding a field is one line in CONTAINER_FIELDS,
NETWORK_FIELDS or VOLUME_FIELDS: (field name, getter, normaliser).
"""

import ipaddress
import json
import os
import re
import sys

SIDES = ("compose", "plantdeck")
# Labels that name the tool and the run, not the workload.
OWN_LABELS = ("com.docker.compose.", "io.plantdeck.")


class Side:
    """One tool's objects and how it names them."""

    def __init__(self, name, prefix, service_label, docs):
        """Side NAME: its prefix, its service label, its inspect documents."""
        self.name = name
        self.prefix = prefix
        self.service_label = service_label
        self.containers, self.networks, self.volumes = docs
        self.by_id = {c["Id"]: c for c in self.containers}

    def key(self, name):
        """The file's key of network or volume NAME (marked if unprefixed)."""
        if name.startswith(self.prefix):
            return name[len(self.prefix):]
        return name + " (unprefixed)"

    def service(self, c):
        """The service container C belongs to."""
        return (c["Config"].get("Labels") or {}).get(self.service_label, "?")


# --- getters and normalisers ------------------------------------------------

def path(p):
    """A getter of the dotted path P."""
    def get(doc, side):
        """The value at P in DOC."""
        for part in p.split("."):
            if not isinstance(doc, dict):
                return None
            doc = doc.get(part)
        return doc
    return get


def empty(v):
    """None for every spelling of "not set": null, false, 0, "", [], {}."""
    if v in (None, False, 0, "", [], {}):
        return None
    return v


def plain(v, side):
    """The value, or None for not set."""
    return empty(v)


def as_set(v, side):
    """A list whose order means nothing (Env)."""
    return sorted(set(v)) if v else None


def caps(v, side):
    """Capabilities as the engine takes them."""
    # CAP_NET_ADMIN and net_admin are NET_ADMIN to the engine.
    return sorted({re.sub(r"^CAP_", "", c.upper()) for c in v}) if v else None


def labels(v, side):
    """Labels but the tools' own."""
    v = {k: x for k, x in (v or {}).items() if not k.startswith(OWN_LABELS)}
    return v or None


def hostname(c, side):
    """The hostname the file gave, or None."""
    # The engine names a container without hostname: by its short id.
    h = (c.get("Config") or {}).get("Hostname")
    return None if h == c["Id"][:12] else empty(h)


def restart(v, side):
    """The restart policy, "no" for none."""
    v = v or {}
    return {"Name": v.get("Name") or "no", "MaximumRetryCount": v.get("MaximumRetryCount") or 0}


def ports(v, side):
    """Port bindings as (host address, host port) per container port."""
    # "" and 0.0.0.0 are both every address.
    out = {}
    for port, binds in (v or {}).items():
        out[port] = sorted((b.get("HostIp") if b.get("HostIp") not in ("", "0.0.0.0") else "",
                            b.get("HostPort") or "") for b in (binds or []))
    return out or None


def exposed(v, side):
    """The exposed ports."""
    return sorted(v) if v else None


def by_key(field):
    """A list of objects, sorted by FIELD."""
    def norm(v, side):
        return sorted(v, key=lambda x: str(x.get(field))) if v else None
    return norm


def log_config(v, side):
    """The logging driver and its options."""
    v = v or {}
    return {"Type": v.get("Type") or "", "Config": v.get("Config") or {}}


def network_mode(v, side):
    """NetworkMode by meaning: a network by key, a container by service."""
    v = v or ""
    if v.startswith("container:"):
        target = side.by_id.get(v[10:])
        return "container:" + (side.service(target) if target else "?")
    if v in ("", "default", "bridge", "host", "none"):
        return v or "default"
    return "network " + side.key(v)


SIZE = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def tmpfs_opts(opts):
    """Tmpfs options "mode=1777,size=1m" as a dict, sizes in bytes."""
    out = {}
    for o in (opts or "").split(","):
        if not o:
            continue
        k, _, x = o.partition("=")
        m = re.fullmatch(r"(\d+)([bkmg]?)", x.lower()) if k == "size" else None
        out[k] = str(int(m.group(1)) * SIZE[m.group(2)]) if m else x
    return out


def tmpfs(c, side):
    """The tmpfs mounts by target, with their options."""
    # HostConfig.Tmpfs (short form, and plantdeck's long form) and the tmpfs
    # entries of HostConfig.Mounts (compose's long form) are the same mounts.
    hc = c.get("HostConfig") or {}
    out = {t: tmpfs_opts(o) for t, o in (hc.get("Tmpfs") or {}).items()}
    for m in hc.get("Mounts") or []:
        if m.get("Type") == "tmpfs":
            t = m.get("TmpfsOptions") or {}
            o = {}
            if t.get("SizeBytes"):
                o["size"] = str(t["SizeBytes"])
            if t.get("Mode"):
                o["mode"] = "%o" % t["Mode"]
            out[m.get("Target")] = o
    return out or None


def mounts(c, side):
    """The bind and volume mounts by target."""
    # The container's mounts as the engine made them (.Mounts), whether they
    # were asked for as HostConfig.Binds or HostConfig.Mounts: type, source
    # (a bind's path, a volume's key), target, read-write, propagation and
    # nocopy.  Mode's other letters ("z", "rw") say nothing the rest does not.
    nocopy = {m.get("Target") for m in (c.get("HostConfig") or {}).get("Mounts") or []
              if (m.get("VolumeOptions") or {}).get("NoCopy")}
    out = []
    for m in c.get("Mounts") or []:
        if m.get("Type") == "tmpfs":
            continue
        dest = m.get("Destination")
        e = {"Type": m.get("Type"), "Target": dest, "RW": bool(m.get("RW"))}
        if m.get("Type") == "volume":
            name = m.get("Name") or ""
            e["Source"] = "<anonymous>" if re.fullmatch(r"[0-9a-f]{64}", name) else side.key(name)
            e["Driver"] = m.get("Driver")
            e["NoCopy"] = dest in nocopy or "nocopy" in (m.get("Mode") or "").split(",")
        else:
            e["Source"] = m.get("Source")
            e["Propagation"] = m.get("Propagation") or "rprivate"
        out.append(e)
    return {e.pop("Target"): e for e in out} or None


def endpoints(c, side):
    """The container's network endpoints by network key."""
    # The container's networks by key, each with its DNS aliases (the
    # service name and the file's aliases) and its fixed address.  The
    # engine also adds the container's short id as an alias (compose asks
    # for it too): a name of this one container, not compared.
    short = c["Id"][:12]
    out = {}
    for name, ep in ((c.get("NetworkSettings") or {}).get("Networks") or {}).items():
        ep = ep or {}
        ipam = ep.get("IPAMConfig") or {}
        out[side.key(name)] = {
            "Aliases": sorted(set(ep.get("Aliases") or []) - {short}),
            "IPv4Address": ipam.get("IPv4Address") or None,
            "DriverOpts": empty(ep.get("DriverOpts")),
        }
    return out or None


def ipam(pools):
    """The IPAM normaliser: an engine-chosen subnet (in POOLS) by size only."""
    nets = [ipaddress.ip_network(p) for p in pools]

    def norm(v, side):
        v = v or {}
        cfg = []
        for e in v.get("Config") or []:
            e = dict(e)
            sub = e.get("Subnet")
            try:
                s = ipaddress.ip_network(sub) if sub else None
            except ValueError:
                s = None
            if s is not None and any(s.version == p.version and s.subnet_of(p) for p in nets):
                e = {"Subnet": "from the pool /%d" % s.prefixlen}
            cfg.append(e)
        return {"Driver": v.get("Driver") or "default", "Options": empty(v.get("Options")),
                "Config": sorted(cfg, key=lambda e: json.dumps(e, sort_keys=True))}
    return norm


# --- what is compared ---------------------------------------------------------

CONTAINER_FIELDS = [
    ("Config.Image", path("Config.Image"), plain),
    ("Config.Env", path("Config.Env"), as_set),
    ("Config.Cmd", path("Config.Cmd"), plain),
    ("Config.Entrypoint", path("Config.Entrypoint"), plain),
    ("Config.Healthcheck", path("Config.Healthcheck"), plain),
    ("Config.Hostname", hostname, None),
    ("Config.Domainname", path("Config.Domainname"), plain),
    ("Config.User", path("Config.User"), plain),
    ("Config.WorkingDir", path("Config.WorkingDir"), plain),
    ("Config.StopSignal", path("Config.StopSignal"), plain),
    ("Config.StopTimeout", path("Config.StopTimeout"), plain),
    ("Config.ExposedPorts", path("Config.ExposedPorts"), exposed),
    ("Config.Labels", path("Config.Labels"), labels),
    ("Config.Tty", path("Config.Tty"), plain),
    ("Config.OpenStdin", path("Config.OpenStdin"), plain),
    ("HostConfig.RestartPolicy", path("HostConfig.RestartPolicy"), restart),
    ("HostConfig.PortBindings", path("HostConfig.PortBindings"), ports),
    ("Binds/Mounts", mounts, None),
    ("Tmpfs", tmpfs, None),
    ("HostConfig.CapAdd", path("HostConfig.CapAdd"), caps),
    ("HostConfig.CapDrop", path("HostConfig.CapDrop"), caps),
    ("HostConfig.Privileged", path("HostConfig.Privileged"), plain),
    ("HostConfig.ReadonlyRootfs", path("HostConfig.ReadonlyRootfs"), plain),
    ("HostConfig.Ulimits", path("HostConfig.Ulimits"), by_key("Name")),
    ("HostConfig.Sysctls", path("HostConfig.Sysctls"), plain),
    ("HostConfig.Init", path("HostConfig.Init"), plain),
    ("HostConfig.ExtraHosts", path("HostConfig.ExtraHosts"), plain),
    ("HostConfig.Dns", path("HostConfig.Dns"), plain),
    ("HostConfig.DnsSearch", path("HostConfig.DnsSearch"), plain),
    ("HostConfig.LogConfig", path("HostConfig.LogConfig"), log_config),
    ("HostConfig.Memory", path("HostConfig.Memory"), plain),
    ("HostConfig.MemoryReservation", path("HostConfig.MemoryReservation"), plain),
    ("HostConfig.NanoCpus", path("HostConfig.NanoCpus"), plain),
    ("HostConfig.Devices", path("HostConfig.Devices"), by_key("PathInContainer")),
    ("HostConfig.ShmSize", path("HostConfig.ShmSize"), plain),
    ("HostConfig.NetworkMode", path("HostConfig.NetworkMode"), network_mode),
    ("NetworkSettings.Networks", endpoints, None),
    # Not in the fixtures yet, but a default one tool sets and the other
    # does not would show here.
    ("HostConfig.MemorySwap", path("HostConfig.MemorySwap"), plain),
    ("HostConfig.CpuShares", path("HostConfig.CpuShares"), plain),
    ("HostConfig.CpusetCpus", path("HostConfig.CpusetCpus"), plain),
    ("HostConfig.PidsLimit", path("HostConfig.PidsLimit"), plain),
    ("HostConfig.OomScoreAdj", path("HostConfig.OomScoreAdj"), plain),
    ("HostConfig.IpcMode", path("HostConfig.IpcMode"), plain),
    ("HostConfig.PidMode", path("HostConfig.PidMode"), plain),
    ("HostConfig.SecurityOpt", path("HostConfig.SecurityOpt"), plain),
    ("HostConfig.GroupAdd", path("HostConfig.GroupAdd"), plain),
    ("HostConfig.Links", path("HostConfig.Links"), plain),
    ("HostConfig.VolumesFrom", path("HostConfig.VolumesFrom"), plain),
    ("HostConfig.AutoRemove", path("HostConfig.AutoRemove"), plain),
    ("HostConfig.PublishAllPorts", path("HostConfig.PublishAllPorts"), plain),
    # Config.Volumes is not compared: docker-compose 1.29 lists there every
    # target of a short-form volume, which only declares a mount point that
    # HostConfig.Binds mounts anyway (compared above, as the mounts).
]

NETWORK_FIELDS = [
    ("Driver", path("Driver"), plain),
    ("Scope", path("Scope"), plain),
    ("Internal", path("Internal"), plain),
    ("Attachable", path("Attachable"), plain),
    ("EnableIPv6", path("EnableIPv6"), plain),
    ("IPAM", path("IPAM"), None),          # ipam(pools), set in main()
    ("Options", path("Options"), plain),
    ("Labels", path("Labels"), labels),
]

VOLUME_FIELDS = [
    ("Driver", path("Driver"), plain),
    ("Options", path("Options"), plain),
    ("Scope", path("Scope"), plain),
    ("Labels", path("Labels"), labels),
]

# Differences that are naming or a compose 1.29 habit, not the workload:
# (kind, field, why, test of the two normalised values and the objects).
ALLOW = [
    ("network", "Attachable",
     "compose 1.29 makes PROJECT_default attachable; on a local-scope network "
     "(bridge) any container can connect anyway, so it changes nothing",
     lambda a, b, oa, ob: (oa.get("Scope") == "local" and ob.get("Scope") == "local")),
]


# --- comparing ----------------------------------------------------------------

def show(v):
    """V as it is printed in a difference."""
    return json.dumps(v, sort_keys=True)


def differences(field, va, vb):
    """(FIELD[KEY]..., a, b) for each difference of VA and VB, key by key
    where both are mappings."""
    if va == vb:
        return
    if isinstance(va, dict) and isinstance(vb, dict):
        for k in sorted(set(va) | set(vb)):
            yield from differences("%s[%s]" % (field, k), va.get(k), vb.get(k))
        return
    yield field, va, vb


def compare(kind, what, fields, a, b, sa, sb, out):
    """Append to OUT the differences of A and B in FIELDS."""
    for field, get, norm in fields:
        va, vb = get(a, sa), get(b, sb)
        if norm is not None:
            va, vb = norm(va, sa), norm(vb, sb)
        if va == vb:
            continue
        why = next((w for k, f, w, ok in ALLOW
                    if k == kind and f == field and ok(va, vb, a, b)), None)
        for sub, da, db in differences(field, va, vb):
            if why is not None:
                out.append("allowed %s %s: %s: compose=%s plantdeck=%s (%s)"
                           % (kind, what, sub, show(da), show(db), why))
            else:
                out.append("DIFF %s %s: %s: compose=%s plantdeck=%s"
                           % (kind, what, sub, show(da), show(db)))


def pair(kind, a_items, b_items, key_a, key_b, name_a, name_b, out):
    """Pairs (what, a, b) of objects of both sides with the same key; a key
    on one side only is a difference."""
    ka = {key_a(x): x for x in a_items}
    kb = {key_b(x): x for x in b_items}
    for k in sorted(set(ka) | set(kb)):
        if k not in kb:
            out.append("DIFF %s %s: compose has %s, plantdeck has none"
                       % (kind, k, name_a(ka[k])))
        elif k not in ka:
            out.append("DIFF %s %s: plantdeck has %s, compose has none"
                       % (kind, k, name_b(kb[k])))
        else:
            yield k, ka[k], kb[k]


def load(d, side, what):
    """The inspect documents of SIDE's WHAT in DIR D."""
    with open(os.path.join(d, "%s-%s.json" % (side, what))) as f:
        return json.load(f) or []


def main(argv):
    """Compare; 0 when nothing differs beyond ALLOW, 1 when something does."""
    args, pools = [], []
    it = iter(argv[1:])
    for a in it:
        if a == "--pool":
            pools.append(next(it))
        else:
            args.append(a)
    if len(args) != 3:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    d, project, stack = args
    sa = Side("compose", project + "_", "com.docker.compose.service",
              [load(d, "compose", w) for w in ("containers", "networks", "volumes")])
    sb = Side("plantdeck", stack + "_", "io.plantdeck.service",
              [load(d, "plantdeck", w) for w in ("containers", "networks", "volumes")])
    net_fields = [(f, g, ipam(pools) if f == "IPAM" else n) for f, g, n in NETWORK_FIELDS]
    out = []
    if not sa.containers or not sb.containers:
        out.append("DIFF no containers: compose %d, plantdeck %d"
                   % (len(sa.containers), len(sb.containers)))
    for k, a, b in pair("container", sa.containers, sb.containers, sa.service, sb.service,
                        lambda c: c["Name"], lambda c: c["Name"], out):
        compare("container", k, CONTAINER_FIELDS, a, b, sa, sb, out)
    for k, a, b in pair("network", sa.networks, sb.networks, lambda n: sa.key(n["Name"]),
                        lambda n: sb.key(n["Name"]), lambda n: n["Name"], lambda n: n["Name"],
                        out):
        compare("network", k, net_fields, a, b, sa, sb, out)
    for k, a, b in pair("volume", sa.volumes, sb.volumes, lambda v: sa.key(v["Name"]),
                        lambda v: sb.key(v["Name"]), lambda v: v["Name"], lambda v: v["Name"],
                        out):
        compare("volume", k, VOLUME_FIELDS, a, b, sa, sb, out)
    for line in out:
        print(line)
    n = sum(1 for line in out if line.startswith("DIFF"))
    print("%d containers, %d networks, %d volumes compared: %d differences"
          % (len(sb.containers), len(sb.networks), len(sb.volumes), n))
    return 1 if n else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
