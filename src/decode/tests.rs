use super::*;
use crate::model::Id;

fn entry(path: &str, text: &str) -> Entry {
    Entry { path: path.to_string(), data: text.as_bytes().to_vec() }
}

#[test]
fn core_v1_event_list_json() {
    let d = decode(&entry(
        "events.json",
        r#"{"kind":"EventList","apiVersion":"v1","items":[{"metadata":{"name":"p.1","namespace":"ns","uid":"u1","creationTimestamp":"2024-01-01T00:00:00Z"},
        "involvedObject":{"kind":"Pod","namespace":"ns","name":"p","uid":"pu","fieldPath":"spec.containers{app}"},
        "reason":"Failed","message":"Failed to pull image \"x\": manifest unknown","type":"Warning","count":7,
        "firstTimestamp":"2024-01-01T00:00:01Z","lastTimestamp":"2024-01-01T00:10:00Z","source":{"component":"kubelet","host":"node-1"}}]}"#,
    ));
    assert!(d.recognised && d.errors.is_empty());
    let e = &d.objects.events[0];
    assert_eq!((e.count, e.subject.container(), e.host.as_str()), (7, Some("app"), "node-1"));
    assert_eq!(e.last_seen.as_deref(), Some("2024-01-01T00:10:00Z"));
    assert_eq!((e.key, e.subject.uid), (Id::of("u1"), Id::of("pu")));
    assert_ne!(e.key, e.subject.uid);
}

#[test]
fn events_k8s_io_v1_with_series() {
    let d = decode(&entry(
        "e.yaml",
        "apiVersion: events.k8s.io/v1\nkind: EventList\nitems:\n- metadata: {name: a, namespace: ns}\n  regarding: {kind: Pod, name: p, namespace: ns}\n  note: back-off\n  reason: BackOff\n  type: Normal\n  eventTime: '2024-01-01T00:00:00.123456Z'\n  series: {count: 12, lastObservedTime: '2024-01-01T01:00:00Z'}\n- metadata: {name: b, namespace: ns}\n  regarding: {kind: Pod, name: q, namespace: ns}\n  note: hi\n  reason: X\n  deprecatedCount: 4\n",
    ));
    assert_eq!(d.objects.events.len(), 2, "{:?}", d.errors);
    let a = &d.objects.events[0];
    assert_eq!((a.count, a.message.as_str(), a.subject.name.as_str()), (12, "back-off", "p"));
    assert_eq!(a.first_seen.as_deref(), Some("2024-01-01T00:00:00.123456Z"));
    assert_eq!(a.last_seen.as_deref(), Some("2024-01-01T01:00:00Z"));
    assert_eq!(d.objects.events[1].count, 4);
}

#[test]
fn kubelet_reporting_instance_is_the_node() {
    let d = decode(&entry(
        "e.json",
        r#"{"apiVersion":"events.k8s.io/v1","kind":"EventList","items":[
        {"regarding":{"kind":"Pod","name":"p"},"note":"n","reason":"Failed","type":"Warning","reportingController":"kubelet","reportingInstance":"node-7"},
        {"regarding":{"kind":"Pod","name":"q"},"note":"n","reason":"FailedScheduling","type":"Warning","reportingController":"default-scheduler","reportingInstance":"default-scheduler-master-0"}]}"#,
    ));
    assert_eq!(d.objects.events[0].host, "node-7");
    assert_eq!(d.objects.events[1].host, "");
}

#[test]
fn bare_array_ndjson_and_kindless_list() {
    let ev =
        r#"{"involvedObject":{"kind":"Pod","name":"p"},"reason":"Failed","message":"m","type":"Warning"}"#;
    assert_eq!(decode(&entry("a.json", &format!("[{ev},{ev}]"))).objects.events.len(), 2);
    assert_eq!(decode(&entry("a.json", &format!("{ev}\n{ev}\n{ev}\n"))).objects.events.len(), 3);
    let kindless = format!(r#"{{"metadata":{{}},"items":[{ev}]}}"#);
    assert_eq!(decode(&entry("a.json", &kindless)).objects.events.len(), 1);
    assert_eq!(decode(&entry("a.json", r#"{"kind":"EventList","items":null}"#)).objects.events.len(), 0);
}

#[test]
fn insights_compact_events() {
    let d = decode(&entry(
        "events/ns.json",
        r#"{"items":[{"namespace":"openshift-machine-api","lastTimestamp":"2021-01-01T00:00:00Z","reason":"FailedUpdate","message":"boom","type":"Warning"}]}"#,
    ));
    let e = &d.objects.events[0];
    assert_eq!(
        (e.namespace.as_str(), e.reason.as_str(), e.is_warning()),
        ("openshift-machine-api", "FailedUpdate", true)
    );
}

#[test]
fn pascal_case_internal_types() {
    let d = decode(&entry(
        "pods.json",
        r#"{"Items":[{"name":"web-1","namespace":"default","uid":"u","ownerReferences":[{"kind":"ReplicaSet","name":"web-5d4","controller":true}],
        "Spec":{"NodeName":"minikube","Containers":[{"Name":"app","Image":"nginx:1"}]},
        "Status":{"Phase":"Pending","ContainerStatuses":[{"Name":"app","Image":"nginx:1","RestartCount":3,
        "State":{"Waiting":{"Reason":"ErrImagePull","Message":"bad"},"Running":null,"Terminated":null},
        "LastTerminationState":{"Terminated":{"Reason":"Error","ExitCode":1}}}]}}]}"#,
    ));
    let p = &d.objects.pods[0];
    assert_eq!((p.name.as_str(), p.namespace.as_str(), p.node.as_str()), ("web-1", "default", "minikube"));
    assert_eq!(p.owner.as_ref().map(|o| o.name.as_str()), Some("web-5d4"));
    let s = &p.statuses[0];
    assert_eq!(
        (s.waiting_reason.as_str(), s.restart_count, s.last_terminated_exit_code),
        ("ErrImagePull", 3, Some(1))
    );
}

#[test]
fn must_gather_yaml_with_leading_separator() {
    let d = decode(&entry(
        "namespaces/ns/core/pods.yaml",
        "---\napiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p\n    namespace: ns\n  spec:\n    containers:\n    - image: quay.io/x:1\n      name: c\n    imagePullSecrets:\n    - name: regcred\n    serviceAccountName: builder\n  status:\n    phase: Running\nkind: PodList\nmetadata:\n  resourceVersion: \"1\"\n",
    ));
    let p = &d.objects.pods[0];
    assert_eq!(p.image_pull_secrets, ["regcred"]);
    assert_eq!(p.service_account, "builder");
    assert_eq!(p.containers[0].image, "quay.io/x:1");
}

#[test]
fn multi_document_yaml_keeps_documents_before_an_error() {
    let d = decode(&entry(
        "x.yaml",
        "kind: Event\nreason: A\nmessage: one\ntype: Warning\n---\nkind: Event\nreason: B\nmessage: two\n---\nkind: [unclosed\n",
    ));
    assert_eq!(d.objects.events.len(), 2);
    assert_eq!(d.errors.len(), 1, "{:?}", d.errors);
}

#[test]
fn logs_and_binaries_are_not_recognised() {
    assert!(!decode(&entry("current.log", "2021-09-14T10:00:00Z I0914 started\n")).recognised);
    assert!(!decode(&entry("x.bin", "\0\x01\x02")).recognised);
    assert!(!decode(&entry("empty.json", "  \n")).recognised);
}

#[test]
fn bracketed_log_lines_are_logs_not_broken_json() {
    let d = decode(&entry(
        "pods/logs/kube-system/coredns/coredns.log",
        "[INFO] plugin/reload: Running configuration\n",
    ));
    assert!(!d.recognised && d.errors.is_empty(), "{:?}", d.errors);
    // The same bytes in a file that claims to be JSON are a broken entry.
    let d = decode(&entry("events.json", "[INFO] plugin/reload\n"));
    assert!(d.recognised && !d.errors.is_empty());
}

#[test]
fn broken_json_is_an_error_not_a_panic() {
    let d = decode(&entry("e.json", r#"{"kind":"EventList","items":[{"reason":"#));
    assert!(d.recognised && d.objects.is_empty());
    assert!(d.errors[0].contains("invalid JSON"), "{:?}", d.errors);
}

#[test]
fn invalid_utf8_inside_a_message_keeps_the_event() {
    let mut data = br#"{"kind":"Event","reason":"Failed","message":"bad "#.to_vec();
    data.extend_from_slice(&[0xff, 0xfe]);
    data.extend_from_slice(br#" byte","type":"Warning"}"#);
    let d = decode(&Entry { path: "e.json".into(), data });
    assert_eq!(d.objects.events.len(), 1, "{:?}", d.errors);
    assert!(d.objects.events[0].message.contains('\u{fffd}'));
}

#[test]
fn cluster_info_dump_stdout_stops_at_logs() {
    let text = "{\"kind\":\"EventList\",\"items\":[]}\n{\"kind\":\"PodList\",\"items\":[{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[]}}]}\n==== START logs for container c of pod ns/p ====\nhello\n";
    let d = decode(&entry("-", text));
    assert_eq!(d.objects.pods.len(), 1);
    assert!(d.errors.is_empty(), "{:?}", d.errors);
}

#[test]
fn secret_data_is_never_kept() {
    let d = decode(&entry(
        "s.json",
        r#"{"kind":"Secret","metadata":{"name":"regcred","namespace":"ns"},"type":"kubernetes.io/dockerconfigjson","data":{".dockerconfigjson":"c2VjcmV0"}}"#,
    ));
    assert_eq!(d.objects.secrets[0].name, "regcred");
    assert!(!format!("{:?}", d.objects).contains("c2VjcmV0"));
}

#[test]
fn scheduling_inputs_requests_allocatable_and_pod_status_reason() {
    let d = decode(&entry(
        "all.yaml",
        "apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n  metadata: {name: p, namespace: ns}\n  spec:\n    containers:\n    - name: app\n      image: app:1\n      resources:\n        requests: {cpu: 500m}\n        limits: {cpu: '1', nvidia.com/gpu: '1'}\n  status:\n    phase: Failed\n    reason: OutOfcpu\n    message: 'Pod Node didn''t have enough resource: cpu, requested: 500, used: 3800, capacity: 4000'\n- kind: Node\n  metadata: {name: n1}\n  spec: {unschedulable: true}\n  status:\n    allocatable: {cpu: 3800m, memory: 14Gi, pods: '110'}\n",
    ));
    let pod = &d.objects.pods[0];
    let requests: Vec<(&str, &str)> =
        pod.containers[0].requests.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        requests,
        [("cpu", "500m"), ("nvidia.com/gpu", "1")],
        "a limit stands in only for a missing request"
    );
    assert_eq!((pod.reason.as_str(), pod.message.starts_with("Pod Node didn't")), ("OutOfcpu", true));
    let node = &d.objects.nodes[0];
    assert!(node.unschedulable);
    assert!(node.allocatable.contains(&("memory".into(), "14Gi".into())));
}

/// Every file of the real fixtures (`../shared/fixtures/real`), loose or
/// inside their archives.
fn real_entries() -> Option<Vec<Entry>> {
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/real"));
    if !root.is_dir() {
        eprintln!("note: skipping, {} is absent", root.display());
        return None;
    }
    let mut entries = Vec::new();
    let source = crate::input::Source::Path(root.to_path_buf());
    crate::input::read(&source, &crate::input::Limits::default(), &mut |item| {
        if let crate::input::Item::Entry(entry) = item {
            entries.push(entry);
        }
    })
    .expect("read the fixtures");
    Some(entries)
}

/// The fast decoder (pruned parsing, the go-yaml reader) gives exactly what
/// the reference decoder gives, on every real file.
#[test]
fn fast_path_equals_reference_on_real_fixtures() {
    let Some(entries) = real_entries() else { return };
    let mut objects = 0;
    for entry in &entries {
        let fast = decode(entry);
        assert_eq!(fast, decode_reference(entry), "{}", entry.path);
        objects += fast.objects.events.len() + fast.objects.pods.len();
    }
    assert!(objects > 1000, "only {objects} events and pods in the fixtures");
}

/// Sifting builds exactly the events it keeps, and every gist it is asked
/// about says what the event built from it would say, on every real file
/// and on the dialects above (compact Insights events, events.k8s.io,
/// PascalCase): the scan's counts and verdicts come from gists.
#[test]
fn sifted_decoding_builds_what_it_keeps_and_gists_match_events() {
    let mut entries = real_entries().unwrap_or_default();
    entries.push(entry(
        "events/ns.json",
        r#"{"items":[{"namespace":"n1","reason":"R","message":"m","type":"Warning"},{"metadata":{"name":"e2"},"involvedObject":{"kind":"Pod","name":"p","namespace":"n2"},"reason":"R2","note":"x","type":7}]}"#,
    ));
    entries.push(entry(
        "e.yaml",
        "kind: EventList\nitems:\n- metadata: {name: a, namespace: ns}\n  regarding: {kind: Pod, name: p}\n  note: back-off\n  reason: BackOff\n",
    ));
    let mut events = 0;
    for entry in &entries {
        let whole = decode(entry);
        let mut gists = Vec::new();
        let sifted = decode_sifted(entry, &mut |gist| {
            gists.push((
                Id::of(&gist.key),
                [
                    &gist.namespace,
                    &gist.subject_kind,
                    &gist.subject_namespace,
                    &gist.subject_name,
                    &gist.reason,
                    &gist.message,
                    &gist.event_type,
                ]
                .map(|f| f.to_string()),
            ));
            gists.len() % 2 == 1
        });
        assert_eq!(gists.len(), whole.objects.events.len(), "{}", entry.path);
        for (gist, e) in gists.iter().zip(&whole.objects.events) {
            let said = [
                &e.namespace,
                &e.subject.kind,
                e.subject_namespace(),
                &e.subject.name,
                &e.reason,
                &e.message,
                &e.event_type,
            ]
            .map(|f| f.to_string());
            assert_eq!(gist, &(e.key, said), "{}", entry.path);
        }
        let mut expected = whole;
        expected.objects.events = expected.objects.events.into_iter().step_by(2).collect();
        assert_eq!(sifted, expected, "{}", entry.path);
        events += gists.len();
    }
    assert!(events >= 3, "only {events} events");
}

/// The go-yaml reader reads every real YAML file exactly as serde_yaml
/// does, and declines few of them.
#[test]
fn yaml_reader_equals_serde_yaml_on_real_fixtures() {
    let Some(entries) = real_entries() else { return };
    let (mut read, mut declined) = (Vec::new(), Vec::new());
    for entry in &entries {
        let lower = entry.path.to_ascii_lowercase();
        if !(lower.ends_with(".yaml") || lower.ends_with(".yml")) {
            continue;
        }
        let text = String::from_utf8_lossy(strip_bom(&entry.data));
        let reference: Result<Vec<Value>, _> = serde_yaml::Deserializer::from_str(&text)
            .map(Value::deserialize)
            .filter(|v| !matches!(v, Ok(Value::Null)))
            .collect();
        match read_go_yaml(&text) {
            Some(fast) => {
                assert_eq!(Ok(fast), reference.map_err(|e| e.to_string()), "{}", entry.path);
                read.push(&entry.path);
            }
            None => declined.push(&entry.path),
        }
    }
    eprintln!("go-yaml reader: {} YAML files read, {} declined: {declined:?}", read.len(), declined.len());
    assert!(read.len() > 100 && declined.len() * 20 < read.len(), "declined: {declined:?}");
}

/// The JSON reader reads every real JSON file serde_json reads, pruned and
/// whole, to the same documents.
#[test]
fn json_reader_equals_serde_json_on_real_fixtures() {
    let Some(entries) = real_entries() else { return };
    let mut read = 0;
    for entry in &entries {
        let data = strip_bom(&entry.data);
        let Sniff::Json(start) = sniff(&entry.path, data) else { continue };
        let text = String::from_utf8_lossy(&data[start..]);
        for pruned in [true, false] {
            let (ours, theirs) = read_json_both(&text, pruned);
            if theirs.is_err() && ours.is_none() {
                continue; // logs that start like JSON
            }
            assert_eq!(
                ours.as_ref().ok_or("declined"),
                theirs.as_ref().map_err(|e| e.as_str()),
                "{}",
                entry.path
            );
            read += 1;
        }
    }
    eprintln!("JSON reader: {read} readings of real JSON files equal serde_json's");
    assert!(read > 100, "only {read} JSON files read");
}

/// Whatever `may_hold_objects` turns down from an entry's first bytes,
/// `decode` finds nothing in the whole entry: the input stage may pass it
/// over unread. Checked on every real file and on the edge cases.
#[test]
fn entries_turned_down_by_their_head_hold_nothing() {
    let check = |entry: &Entry| {
        let head = &entry.data[..entry.data.len().min(HEAD_BYTES)];
        if !may_hold_objects(&entry.path, head) {
            assert_eq!(decode(entry), Decoded::default(), "{} was turned down", entry.path);
        }
        !may_hold_objects(&entry.path, head)
    };
    let entry = |path: &str, data: Vec<u8>| Entry { path: path.into(), data };
    let events = br#"{"kind":"EventList","items":[]}"#.to_vec();
    let mut padded = vec![b' '; HEAD_BYTES + 10];
    padded.extend_from_slice(&events);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(&events);
    let cases = [
        (entry("pods/logs/web/web.log", b"2024-05-14T10:00:00Z starting\n".to_vec()), true),
        (entry("x.log", b"\0\x01binary".to_vec()), true),
        (entry("blank.json", b"  \n ".to_vec()), true),
        (entry("events.json", events), false),
        (entry("events.json", bom), false),
        // White space longer than the head: only the rest can tell.
        (entry("events.json", padded), false),
        (entry("core/pods.yaml", b"# comment\n".to_vec()), false),
        (entry("no-extension", b"apiVersion: v1\nkind: List\nitems: []\n".to_vec()), false),
        (entry("coredns.log", b"[INFO] plugin/reload: Running configuration\n".to_vec()), false),
        // A log is known by where it is, whatever its lines look like.
        (entry("b/all-logs/coredns/coredns.log", b"[INFO] plugin/reload\n".to_vec()), true),
        (entry("pods/logs/shop/web/app.log", br#"{"level":"info","msg":"listening"}"#.to_vec()), true),
        (entry("web/web/logs/rotated/0.log.20240514-101010", b"kind: Pod\n".to_vec()), true),
        // The same name elsewhere is read by its content.
        (entry("dump/events.log", br#"{"kind":"EventList","items":[]}"#.to_vec()), false),
    ];
    for (case, turned_down) in &cases {
        assert_eq!(check(case), *turned_down, "{}", case.path);
    }
    let Some(entries) = real_entries() else { return };
    let turned_down = entries.iter().filter(|e| check(e)).count();
    eprintln!("{turned_down} of {} real entries need not be loaded", entries.len());
    assert!(turned_down > 0);
}
