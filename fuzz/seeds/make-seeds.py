#!/usr/bin/env python3
"""Writes the small seed inputs of the fuzz targets (fuzz/seeds/<target>/).

Everything is generated here, in the shapes support bundles really have:
events/pods as JSON lists, NDJSON, multi-document YAML, tar and tar.gz
bundles with nested archives, links and long names. Re-run after changing it;
the output is deterministic (fixed mtimes, no gzip timestamps).
"""
import gzip
import io
import json
import os
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))

EVENT = {
    "kind": "Event", "apiVersion": "v1",
    "metadata": {"name": "web-1.17a", "namespace": "shop", "uid": "e1"},
    "involvedObject": {"kind": "Pod", "namespace": "shop", "name": "web-1", "fieldPath": "spec.containers{web}"},
    "reason": "Failed",
    "message": 'Failed to pull image "reg.io/shop/web:9.9": rpc error: code = NotFound desc = '
               'failed to pull and unpack image: manifest unknown',
    "type": "Warning", "count": 3, "source": {"component": "kubelet", "host": "node-a"},
    "firstTimestamp": "2024-05-01T10:00:00Z", "lastTimestamp": "2024-05-01T10:05:00Z",
}
POD = {
    "kind": "Pod", "metadata": {"name": "web-1", "namespace": "shop", "uid": "p1",
                                "ownerReferences": [{"kind": "ReplicaSet", "name": "web-5d", "controller": True}]},
    "spec": {"nodeName": "node-a", "containers": [{"name": "web", "image": "reg.io/shop/web:9.9"}],
             "imagePullSecrets": [{"name": "regcred"}]},
    "status": {"phase": "Pending", "containerStatuses": [{"name": "web", "ready": False, "restartCount": 0,
               "state": {"waiting": {"reason": "ImagePullBackOff",
                                     "message": "Back-off pulling image \"reg.io/shop/web:9.9\""}}}]},
}
SECRET = {"kind": "Secret", "metadata": {"name": "regcred", "namespace": "shop"},
          "type": "kubernetes.io/dockerconfigjson", "data": {".dockerconfigjson": "eyJhdXRocyI6e319"}}
NODE = {"kind": "Node", "metadata": {"name": "node-a", "labels": {"kubernetes.io/arch": "amd64"}},
        "status": {"nodeInfo": {"architecture": "amd64", "operatingSystem": "linux"},
                   "conditions": [{"type": "Ready", "status": "True"}]}}

EVENTS_JSON = json.dumps({"kind": "EventList", "apiVersion": "v1", "items": [EVENT]}).encode()
PODS_JSON = json.dumps({"kind": "PodList", "items": [POD]}).encode()
EVENTS_YAML = b"""---
apiVersion: v1
kind: EventList
items:
- &ev
  metadata: {name: web-1.17a, namespace: shop}
  involvedObject: {kind: Pod, namespace: shop, name: web-1}
  reason: Failed
  message: 'Failed to pull image "reg.io/shop/web:9.9": manifest unknown'
  type: Warning
  count: 3
- *ev
---
kind: Pod
metadata:
  name: web-1
  namespace: shop
spec:
  containers:
  - name: web
    image: reg.io/shop/web:9.9
status:
  containerStatuses:
  - name: web
    state:
      waiting:
        reason: ErrImagePull
        message: "pull access denied for https://bob:hunter2@reg.io/v2/"
"""


def write(target, name, data):
    path = os.path.join(HERE, target, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def gz(data):
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as g:
        g.write(data)
    return out.getvalue()


def tar(members, fmt=tarfile.GNU_FORMAT):
    """members: (name, bytes) for files, (name, ('sym'|'hard'|'dir'|'fifo', target))."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.mtime = 0
            if isinstance(data, tuple):
                kind, target = data
                info.type = {"sym": tarfile.SYMTYPE, "hard": tarfile.LNKTYPE,
                             "dir": tarfile.DIRTYPE, "fifo": tarfile.FIFOTYPE}[kind]
                info.linkname = target
                t.addfile(info)
            else:
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
    return out.getvalue()


def main():
    # decode_json: the JSON shapes decode accepts.
    write("decode_json", "event-list.json", EVENTS_JSON)
    write("decode_json", "pod-list.json", PODS_JSON)
    write("decode_json", "bare-array.json", json.dumps([EVENT, NODE]).encode())
    write("decode_json", "ndjson.json", (json.dumps(EVENT) + "\n" + json.dumps(POD) + "\n").encode())
    write("decode_json", "secret.json", json.dumps({"kind": "List", "items": [SECRET, NODE]}).encode())
    write("decode_json", "dump-with-logs.json", EVENTS_JSON + b"\n==== START logs for container web ====\nx\n")
    write("decode_json", "pascal.json", json.dumps({"Items": [{"Name": "a", "Namespace": "b",
          "InvolvedObject": {"Kind": "Pod", "Name": "a"}, "Reason": "Failed", "Message": "m",
          "Type": "Warning", "Count": 2}]}).encode())
    # decode_yaml
    write("decode_yaml", "events.yaml", EVENTS_YAML)
    write("decode_yaml", "node.yaml", b"apiVersion: v1\nkind: Node\nmetadata:\n  name: n\nstatus:\n"
          b"  nodeInfo: {architecture: arm64}\n  allocatable: {cpu: '4', memory: 16Gi}\n")
    write("decode_yaml", "merge-keys.yaml", b"base: &b {reason: Failed, type: Warning}\n"
          b"items:\n- <<: *b\n  message: x\n  involvedObject: {kind: Pod, name: p}\n")
    # archive and scan: whole bundles.
    bundle = [
        ("bundle/", ("dir", "")),
        ("bundle/cluster-resources/events/shop.json", EVENTS_JSON),
        ("bundle/cluster-resources/pods/shop.json", PODS_JSON),
        ("bundle/must-gather/namespaces/shop/core/events.yaml", EVENTS_YAML),
        ("bundle/pods/logs/web.log", ("sym", "../../cluster-resources/pods/logs/web-1.log")),
        ("bundle/hard.json", ("hard", "bundle/cluster-resources/pods/shop.json")),
    ]
    for target in ["archive", "scan"]:
        write(target, "bundle.tar.gz", gz(tar(bundle)))
        write(target, "bundle.tar", tar(bundle[:3]))
        write(target, "pax-long-name.tar", tar([("a/" + "long-" * 30 + ".json", EVENTS_JSON)], tarfile.PAX_FORMAT))
        write(target, "nested.tar", tar([("case/mg.tar.gz", gz(tar([("ns/events.json", EVENTS_JSON)]))),
                                         ("case/x.log.gz", gz(b"line\n")), ("../../etc/x", b"x"),
                                         ("case/fifo", ("fifo", ""))]))
        write(target, "events.json.gz", gz(EVENTS_JSON))
    write("archive", "concatenated.gz", gz(b"first\n") + gz(b"second\n"))


if __name__ == "__main__":
    main()
