//! Stage 3 — classify: which runbook explains a message.
//!
//! Owns the [`Matcher`]: every keyword and context phrase of every runbook
//! compiled into one case-insensitive Aho-Corasick automaton. A record (an
//! event's reason and message, a container state's reason and message) is
//! scanned once; all hits are collected (overlapping, so a short keyword
//! inside a longer one still counts), filtered to whole-word matches, and the
//! most specific runbook wins:
//!
//! 1. a cause beats a symptom. Symptom phrases are the keywords of the
//!    `symptom: true` runbooks ("Back-off pulling image", "ErrImagePull"); a
//!    runbook whose only hits are symptom phrases (a broad TSG that lists
//!    them among its keywords) counts as a symptom for that record too;
//! 2. then the higher `priority` (a platform error that also says "not found"
//!    is a platform mismatch, "no such host" is DNS, not a missing image);
//! 3. then more distinct keywords hit, then the longest keyword, then the id.
//!
//! A runbook with `requires_any` only competes when one of those context
//! phrases occurs too, which keeps e.g. "not found" in a volume error from
//! being read as a missing image.
//!
//! The matcher is immutable once built and shared by reference across threads.

use std::collections::HashMap;
use std::ops::Range;

use aho_corasick::automaton::Automaton;
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind};

use crate::model::{Event, Pod, Text};
use crate::runbook::Corpus;

/// The decision for one record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Index of the runbook in the corpus.
    pub runbook: usize,
    /// The runbook is a symptom: the record marks a pod affected, nothing more.
    pub symptom: bool,
    /// The longest keyword of that runbook found in the record (as written
    /// in the runbook), or the signal that matched (`OOMKilled`, `exit code 137`).
    /// Most fit inline: a scan keeps a verdict for each of tens of thousands of events.
    pub keyword: Text,
}

/// Which recorded state a reason or exit code comes from. A runbook's
/// `signals` name them in kube-state-metrics terms, e.g.
/// `kube_pod_container_status_last_terminated_reason=OOMKilled`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Slot {
    Waiting,
    Terminated,
    LastTerminated,
    /// The pod's own `status.reason` (`Evicted`, `OutOfcpu`).
    Pod,
}

/// A structured state: a container's waiting/terminated state or a pod's status.
#[derive(Clone, Copy, Debug)]
pub struct State<'a> {
    pub slot: Slot,
    pub reason: &'a str,
    pub message: &'a str,
    pub exit_code: Option<i64>,
}

/// What a signal matches: a reason (compared case-insensitively) or an exit code.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum SignalKey {
    Reason(String),
    ExitCode(i64),
}

/// The verdicts for one pod: its own status, then each container status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodVerdicts {
    /// `status.reason`/`status.message` (an eviction, an admission rejection).
    pub status: Option<Verdict>,
    /// A `PodScheduled=False` condition: why a pending pod has no node.
    pub scheduling: Option<Verdict>,
    /// One per `Pod::statuses`.
    pub containers: Vec<ContainerVerdicts>,
}

/// The verdicts for the three states a container status records.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContainerVerdicts {
    pub waiting: Option<Verdict>,
    pub terminated: Option<Verdict>,
    /// Only read when the container has restarted: it explains the restarts.
    pub last_terminated: Option<Verdict>,
}

#[derive(Debug)]
enum Use {
    Keyword { runbook: usize, keyword: usize },
    Context { runbook: usize },
}

#[derive(Debug)]
struct Pattern {
    /// Whether the match must start/end at a word boundary: true when the
    /// pattern itself starts/ends with an alphanumeric character.
    bounded_start: bool,
    bounded_end: bool,
    len: usize,
    /// A keyword of some symptom runbook: hitting it names no cause.
    symptom_phrase: bool,
    uses: Vec<Use>,
}

#[derive(Debug)]
struct Rule {
    priority: i32,
    symptom: bool,
    needs_context: bool,
    keywords: Vec<Text>,
}

/// The runbooks one signal names; `symptom` when a symptom runbook names it
/// too (then, like a symptom phrase, it names no cause).
#[derive(Debug, Default)]
struct SignalUse {
    runbooks: Vec<usize>,
    symptom: bool,
}

/// All runbooks' keywords in one automaton, and their signals in a table.
#[derive(Debug)]
pub struct Matcher {
    /// A DFA, walked byte by byte in [`Matcher::each_hit`]: about twice as fast
    /// over short messages as the crate's NFA and its overlapping iterator,
    /// for a few milliseconds more to build and 3 MB of tables.
    automaton: DFA,
    /// By pattern id, as the automaton numbers them.
    patterns: Vec<Pattern>,
    /// The automaton's patterns themselves, to test it against the crate's
    /// own search.
    #[cfg(test)]
    phrases: Vec<String>,
    rules: Vec<Rule>,
    signals: HashMap<(Slot, SignalKey), SignalUse>,
}

/// Per-runbook tally while scanning one record.
#[derive(Clone, Copy, Default)]
struct Tally {
    distinct: u32,
    /// Distinct keywords hit that are not symptom phrases.
    cause_hits: u32,
    longest: usize,
    longest_keyword: usize,
    context: bool,
    /// A structured signal matched (it also stands in for `requires_any`).
    signal: bool,
}

impl Matcher {
    pub fn new(corpus: &Corpus) -> Matcher {
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut texts: Vec<String> = Vec::new();
        let mut add = |text: &str, usage: Use, patterns: &mut Vec<Pattern>| {
            let key = text.to_ascii_lowercase();
            let id = *index.entry(key.clone()).or_insert_with(|| {
                texts.push(key.clone());
                patterns.push(Pattern {
                    bounded_start: key.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()),
                    bounded_end: key.chars().last().is_some_and(|c| c.is_ascii_alphanumeric()),
                    len: key.len(),
                    symptom_phrase: false,
                    uses: Vec::new(),
                });
                patterns.len() - 1
            });
            patterns[id].uses.push(usage);
        };
        let mut rules = Vec::new();
        let mut signals: HashMap<(Slot, SignalKey), SignalUse> = HashMap::new();
        for (runbook, rb) in corpus.runbooks().iter().enumerate() {
            for (keyword, text) in rb.keywords.iter().enumerate() {
                add(text, Use::Keyword { runbook, keyword }, &mut patterns);
            }
            for text in &rb.requires_any {
                add(text, Use::Context { runbook }, &mut patterns);
            }
            for signal in rb.signals.iter().filter_map(|s| parse_signal(s)) {
                let entry = signals.entry(signal).or_default();
                entry.runbooks.push(runbook);
                entry.symptom |= rb.symptom;
            }
            rules.push(Rule {
                priority: rb.priority,
                symptom: rb.symptom,
                needs_context: !rb.requires_any.is_empty(),
                keywords: rb.keywords.iter().map(Text::from).collect(),
            });
        }
        for pattern in &mut patterns {
            pattern.symptom_phrase = pattern
                .uses
                .iter()
                .any(|u| matches!(*u, Use::Keyword { runbook, .. } if corpus.get(runbook).symptom));
        }
        // Built over the lowercased keywords and walked over lowercased
        // bytes (`each_hit`): the hits of the crate's ASCII case-insensitive
        // mode, in half the table (1.4 MB instead of 2.8), as letters of
        // either case no longer split its byte classes. It is held all
        // through reading, when a scan's memory peaks.
        let automaton = DFA::builder()
            .match_kind(MatchKind::Standard)
            .build(&texts)
            .expect("runbook keywords are plain literals and always compile");
        Matcher {
            automaton,
            patterns,
            rules,
            signals,
            #[cfg(test)]
            phrases: texts,
        }
    }

    /// Classifies one record made of several text parts (e.g. reason and
    /// message), scanned separately so no keyword spans two parts.
    pub fn classify(&self, parts: &[&str]) -> Option<Verdict> {
        // Filled by the first hit: most records hit nothing.
        let mut tallies = Vec::new();
        self.scan(parts, &mut tallies);
        self.decide(&tallies, None)
    }

    /// Classifies a structured state: its reason and message as text, plus
    /// the runbooks whose `signals` name this reason or exit code in this slot.
    pub fn classify_state(&self, state: &State<'_>) -> Option<Verdict> {
        let mut tallies = vec![Tally::default(); self.rules.len()];
        self.scan(&[state.reason, state.message], &mut tallies);
        let keys = [
            Some(SignalKey::Reason(state.reason.to_ascii_lowercase())).filter(|_| !state.reason.is_empty()),
            state.exit_code.map(SignalKey::ExitCode),
        ];
        let mut signal_text = None;
        for key in keys.into_iter().flatten() {
            let Some(usage) = self.signals.get(&(state.slot, key.clone())) else { continue };
            for &runbook in &usage.runbooks {
                let tally = &mut tallies[runbook];
                if !tally.signal {
                    tally.signal = true;
                    tally.distinct += 1;
                    tally.cause_hits += u32::from(!usage.symptom);
                }
            }
            signal_text.get_or_insert(match key {
                SignalKey::Reason(_) => state.reason.into(),
                SignalKey::ExitCode(code) => compact_str::format_compact!("exit code {code}"),
            });
        }
        self.decide(&tallies, signal_text)
    }

    /// Classifies one event: its reason and message.
    pub fn classify_event(&self, event: &Event) -> Option<Verdict> {
        self.classify_event_text(&event.reason, &event.message)
    }

    /// [`Matcher::classify_event`] from the two fields it reads.
    pub fn classify_event_text(&self, reason: &str, message: &str) -> Option<Verdict> {
        self.classify(&[reason, message])
    }

    /// Classifies a pod's own status, its scheduling condition and every
    /// container state it records.
    pub fn classify_pod(&self, pod: &Pod) -> PodVerdicts {
        let status = (!pod.reason.is_empty()).then(|| {
            self.classify_state(&State {
                slot: Slot::Pod,
                reason: &pod.reason,
                message: &pod.message,
                exit_code: None,
            })
        });
        let scheduling = pod.unscheduled().and_then(|c| self.classify(&[&c.reason, &c.message]));
        let containers = pod
            .statuses
            .iter()
            .map(|s| {
                let state = |slot, reason: &str, message, exit_code| {
                    let state = State { slot, reason, message, exit_code };
                    (!reason.is_empty() || exit_code.is_some()).then(|| self.classify_state(&state)).flatten()
                };
                ContainerVerdicts {
                    waiting: state(Slot::Waiting, &s.waiting_reason, &s.waiting_message, None),
                    terminated: state(Slot::Terminated, &s.terminated_reason, "", s.terminated_exit_code),
                    last_terminated: if s.restart_count > 0 {
                        state(
                            Slot::LastTerminated,
                            &s.last_terminated_reason,
                            "",
                            s.last_terminated_exit_code,
                        )
                    } else {
                        None
                    },
                }
            })
            .collect();
        PodVerdicts { status: status.flatten(), scheduling, containers }
    }

    /// Tallies every whole-word keyword and context phrase in `parts`.
    /// `tallies` is filled with one per rule on the first hit, so that a
    /// record that hits nothing (most events) costs no allocation.
    fn scan(&self, parts: &[&str], tallies: &mut Vec<Tally>) {
        let mut seen: Vec<(usize, usize)> = Vec::new();
        for part in parts {
            let bytes = part.as_bytes();
            self.each_hit(bytes, |pattern, hit| {
                self.tally(&self.patterns[pattern], bytes, hit, tallies, &mut seen);
            });
        }
    }

    /// Calls `hit` with the pattern and place of every keyword occurrence
    /// in `bytes`, overlapping ones included, in the order the crate's
    /// overlapping search reports them: by where they end, then by pattern.
    fn each_hit(&self, bytes: &[u8], mut hit: impl FnMut(usize, Range<usize>)) {
        let dfa = &self.automaton;
        let mut state =
            dfa.start_state(Anchored::No).expect("an unanchored DFA has an unanchored start state");
        for (at, &byte) in bytes.iter().enumerate() {
            state = dfa.next_state(Anchored::No, state, byte.to_ascii_lowercase());
            if dfa.is_special(state) && dfa.is_match(state) {
                let end = at + 1;
                for index in 0..dfa.match_len(state) {
                    let pattern = dfa.match_pattern(state, index);
                    hit(pattern.as_usize(), end - dfa.pattern_len(pattern)..end);
                }
            }
        }
    }

    /// Tallies one keyword hit at `bytes[hit]`, unless it is part of a
    /// longer word.
    fn tally(
        &self,
        pattern: &Pattern,
        bytes: &[u8],
        hit: Range<usize>,
        tallies: &mut Vec<Tally>,
        seen: &mut Vec<(usize, usize)>,
    ) {
        if pattern.bounded_start && hit.start > 0 && bytes[hit.start - 1].is_ascii_alphanumeric() {
            return;
        }
        if pattern.bounded_end && hit.end < bytes.len() && bytes[hit.end].is_ascii_alphanumeric() {
            return;
        }
        if tallies.is_empty() {
            tallies.resize(self.rules.len(), Tally::default());
        }
        for usage in &pattern.uses {
            match *usage {
                Use::Context { runbook } => tallies[runbook].context = true,
                Use::Keyword { runbook, keyword } => {
                    let tally = &mut tallies[runbook];
                    if !seen.contains(&(runbook, keyword)) {
                        seen.push((runbook, keyword));
                        tally.distinct += 1;
                        tally.cause_hits += u32::from(!pattern.symptom_phrase);
                    }
                    if pattern.len > tally.longest {
                        tally.longest = pattern.len;
                        tally.longest_keyword = keyword;
                    }
                }
            }
        }
    }

    /// The best runbook of a tallied record; `signal` names the signal that
    /// matched, shown when the winner hit no keyword.
    fn decide(&self, tallies: &[Tally], signal: Option<Text>) -> Option<Verdict> {
        let best = tallies
            .iter()
            .enumerate()
            .filter(|(i, t)| t.distinct > 0 && (t.context || t.signal || !self.rules[*i].needs_context))
            // Runbooks are sorted by id, so among equals the lower index wins.
            .max_by_key(|(i, t)| {
                let rule = &self.rules[*i];
                // Among symptoms, the runbook written for them is preferred.
                (
                    self.is_cause(*i, t),
                    rule.symptom,
                    rule.priority,
                    t.distinct,
                    t.longest,
                    std::cmp::Reverse(*i),
                )
            })?;
        let (runbook, tally) = best;
        let rule = &self.rules[runbook];
        let keyword = if tally.longest > 0 {
            rule.keywords[tally.longest_keyword].clone()
        } else {
            signal.unwrap_or_default()
        };
        Some(Verdict { runbook, symptom: !self.is_cause(runbook, tally), keyword })
    }

    fn is_cause(&self, runbook: usize, tally: &Tally) -> bool {
        !self.rules[runbook].symptom && tally.cause_hits > 0
    }
}

/// Reads a signal in either kube-state-metrics spelling:
/// `kube_pod_container_status_waiting_reason=CrashLoopBackOff` or
/// `kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}`.
/// Signals about other things (node conditions, metrics) stay descriptive.
fn parse_signal(signal: &str) -> Option<(Slot, SignalKey)> {
    let (metric, value) = match signal.split_once('=') {
        Some((metric, value)) if !metric.contains('{') => (metric, value),
        _ => {
            let (metric, labels) = signal.split_once('{')?;
            (metric, labels.trim_end().strip_suffix('}')?.split_once('=')?.1)
        }
    };
    let value = value.trim().trim_matches('"');
    let reason = || Some(SignalKey::Reason(value.to_ascii_lowercase())).filter(|_| !value.is_empty());
    let exit_code = || value.parse().ok().map(SignalKey::ExitCode);
    let (slot, key) = match metric.trim() {
        "kube_pod_container_status_waiting_reason" => (Slot::Waiting, reason()?),
        "kube_pod_container_status_terminated_reason" => (Slot::Terminated, reason()?),
        "kube_pod_container_status_last_terminated_reason" => (Slot::LastTerminated, reason()?),
        "kube_pod_container_status_terminated_exitcode" => (Slot::Terminated, exit_code()?),
        "kube_pod_container_status_last_terminated_exitcode" => (Slot::LastTerminated, exit_code()?),
        "kube_pod_status_reason" => (Slot::Pod, reason()?),
        _ => return None,
    };
    Some((slot, key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::{parse, Corpus};

    fn runbook(id: &str, priority: i32, keywords: &[&str], extra: &str) -> crate::runbook::Runbook {
        let text = format!(
            "---\nid: {id}\ntitle: {id}\nseverity: high\npriority: {priority}\nkeywords: {keywords:?}\n{extra}---\n## Fix\nfix it\n"
        );
        parse(id, &text, "test").unwrap()
    }

    fn matcher() -> (Corpus, Matcher) {
        let ctx = "requires_any: [\"pull image\", \"ErrImagePull\"]\n";
        let corpus = Corpus::new(vec![
            runbook(
                "backoff",
                0,
                &["Back-off pulling image", "ErrImagePull", "ImagePullBackOff"],
                "symptom: true\n",
            ),
            runbook("not-found", 55, &["not found", "name unknown"], ctx),
            runbook("dns", 75, &["no such host"], ctx),
            runbook("auth", 60, &["401 Unauthorized", "unauthorized"], ctx),
            runbook("platform", 95, &["no matching manifest"], ctx),
            runbook(
                "broad",
                0,
                &["ImagePullBackOff", "manifest unknown", "401 Unauthorized", "DNS", "timeout"],
                "",
            ),
            runbook("manifest", 65, &["manifest unknown"], ctx),
        ])
        .unwrap();
        let m = Matcher::new(&corpus);
        (corpus, m)
    }

    /// Folding case while walking, not in the automaton, keeps its table
    /// about half the size of the crate's case-insensitive one.
    #[test]
    fn the_dfa_is_smaller_than_a_case_insensitive_one() {
        let corpus = Corpus::builtin().unwrap();
        let m = Matcher::new(&corpus);
        let insensitive = DFA::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&m.phrases)
            .unwrap();
        let (ours, theirs) = (m.automaton.memory_usage(), insensitive.memory_usage());
        assert!(ours * 3 < theirs * 2, "{ours} bytes against {theirs}");
    }

    /// The walk in `each_hit` finds what the crate's own overlapping search
    /// finds, in the same order (ties in `Tally::longest` depend on it), on
    /// real messages and on every keyword of the built-in corpus in odd
    /// case and company.
    #[test]
    fn the_dfa_walk_finds_every_hit_the_crate_finds() {
        let corpus = Corpus::builtin().unwrap();
        let m = Matcher::new(&corpus);
        let reference = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&m.phrases)
            .unwrap();
        let mut texts: Vec<String> =
            include_str!("../../tests/labelled/container.jsonl").lines().map(String::from).collect();
        for phrase in &m.phrases {
            texts.push(format!("x{}y {} ({})", phrase, phrase.to_ascii_uppercase(), phrase.repeat(2)));
        }
        let mut hits_in_total = 0;
        for text in &texts {
            let mut walked = Vec::new();
            m.each_hit(text.as_bytes(), |pattern, hit| walked.push((pattern, hit)));
            let found: Vec<_> =
                reference.find_overlapping_iter(text).map(|h| (h.pattern().as_usize(), h.range())).collect();
            assert_eq!(walked, found, "{text}");
            hits_in_total += found.len();
        }
        assert!(hits_in_total > 4 * m.phrases.len(), "{hits_in_total} hits");
    }

    fn id(text: &str) -> Option<String> {
        let (corpus, m) = matcher();
        m.classify(&["Failed", text]).map(|v| corpus.get(v.runbook).id.clone())
    }

    #[test]
    fn table() {
        let cases: &[(&str, Option<&str>)] = &[
            (r#"Failed to pull image "x": rpc error: manifest unknown"#, Some("manifest")),
            (r#"Failed to pull image "x": dial tcp: lookup reg.io: no such host"#, Some("dns")),
            (
                r#"Failed to pull image "x": no matching manifest for linux/arm64: not found"#,
                Some("platform"),
            ),
            (r#"Failed to pull image "x": 401 Unauthorized"#, Some("auth")),
            (r#"Back-off pulling image "x""#, Some("backoff")),
            // "not found" without any image-pull context is not an image problem.
            (r#"Error: secret "pgpassword" not found"#, None),
            // Word boundaries: 401 inside a digest is not a status code.
            (r#"Failed to pull image "x@sha256:a401b": EOF"#, None),
            // A broad runbook catches what no specific one does...
            ("Liveness probe failed: timeout", Some("broad")),
        ];
        for (text, want) in cases {
            assert_eq!(id(text).as_deref(), *want, "{text}");
        }
    }

    #[test]
    fn specific_beats_broad_and_symptom() {
        // The broad runbook (priority 0) hits "manifest unknown" and
        // "ImagePullBackOff" too, but the specific one wins.
        assert_eq!(
            id("ImagePullBackOff: Back-off pulling image \"x\": ErrImagePull: manifest unknown").as_deref(),
            Some("manifest")
        );
    }

    /// A broad runbook listing symptom words (like seed TSG 004) does not
    /// turn a bare "Error: ErrImagePull" into a cause.
    #[test]
    fn symptom_phrases_in_a_broad_runbook_stay_symptoms() {
        let (corpus, m) = matcher();
        let v = m.classify(&["Failed", "Error: ImagePullBackOff"]).unwrap();
        assert_eq!((corpus.get(v.runbook).id.as_str(), v.symptom), ("backoff", true));
        let v = m.classify(&["Failed", "Error: ErrImagePull"]).unwrap();
        assert_eq!((corpus.get(v.runbook).id.as_str(), v.symptom), ("backoff", true));
    }

    #[test]
    fn case_insensitive() {
        assert_eq!(id("failed to PULL IMAGE x: NO SUCH HOST").as_deref(), Some("dns"));
    }

    fn signals_corpus() -> (Corpus, Matcher) {
        let corpus = Corpus::new(vec![
            runbook(
                "crashloop",
                10,
                &["Back-off restarting failed container", "CrashLoopBackOff"],
                "signals: [\"kube_pod_container_status_waiting_reason=CrashLoopBackOff\"]\n",
            ),
            runbook(
                "oom",
                80,
                &["OOMKilled"],
                "signals:\n  - kube_pod_container_status_last_terminated_reason{reason=\"OOMKilled\"}\n  - kube_pod_container_status_last_terminated_exitcode=137\n  - kube_node_status_condition=MemoryPressure\n",
            ),
            runbook(
                "backoff",
                0,
                &["Back-off pulling image"],
                "symptom: true\nsignals: [kube_pod_container_status_waiting_reason=ErrImagePull]\n",
            ),
            runbook(
                "auth",
                70,
                &["unauthorized"],
                "requires_any: [\"pull image\"]\nsignals: [kube_pod_container_status_waiting_reason=ErrImagePull]\n",
            ),
        ])
        .unwrap();
        let m = Matcher::new(&corpus);
        (corpus, m)
    }

    fn state_id(
        slot: Slot,
        reason: &str,
        message: &str,
        exit_code: Option<i64>,
    ) -> Option<(String, bool, String)> {
        let (corpus, m) = signals_corpus();
        m.classify_state(&State { slot, reason, message, exit_code })
            .map(|v| (corpus.get(v.runbook).id.clone(), v.symptom, v.keyword.into()))
    }

    #[test]
    fn signals_name_causes_for_structured_states() {
        let got = |slot, reason, code| state_id(slot, reason, "", code).map(|(id, symptom, _)| (id, symptom));
        assert_eq!(got(Slot::LastTerminated, "OOMKilled", Some(137)), Some(("oom".into(), false)));
        // The exit code alone, in the right slot only.
        assert_eq!(got(Slot::LastTerminated, "Error", Some(137)), Some(("oom".into(), false)));
        assert_eq!(got(Slot::Terminated, "Error", Some(137)), None);
        assert_eq!(got(Slot::LastTerminated, "Error", Some(1)), None);
        assert_eq!(got(Slot::Waiting, "CrashLoopBackOff", None), Some(("crashloop".into(), false)));
        // Reasons compare case-insensitively.
        assert_eq!(got(Slot::Waiting, "crashloopbackoff", None), Some(("crashloop".into(), false)));
        // A reason a symptom runbook claims names no cause, even when a cause
        // runbook lists it among its signals too.
        assert_eq!(got(Slot::Waiting, "ErrImagePull", None), Some(("backoff".into(), true)));
        let (id, symptom, _) = state_id(Slot::Waiting, "ErrImagePull", "401 Unauthorized", None).unwrap();
        assert_eq!((id.as_str(), symptom), ("auth", false), "a signal stands in for requires_any");
    }

    #[test]
    fn the_verdict_names_the_signal_when_no_keyword_hit() {
        let (_, _, keyword) = state_id(Slot::LastTerminated, "Error", "", Some(137)).unwrap();
        assert_eq!(keyword, "exit code 137");
        let (_, _, keyword) = state_id(Slot::LastTerminated, "OOMKilled", "", None).unwrap();
        assert_eq!(keyword, "OOMKilled");
    }

    #[test]
    fn signal_spellings() {
        let parsed = |s| parse_signal(s);
        assert_eq!(
            parsed("kube_pod_container_status_waiting_reason=CrashLoopBackOff"),
            Some((Slot::Waiting, SignalKey::Reason("crashloopbackoff".into())))
        );
        assert_eq!(
            parsed("kube_pod_container_status_terminated_reason{reason=\"OOMKilled\"}"),
            Some((Slot::Terminated, SignalKey::Reason("oomkilled".into())))
        );
        assert_eq!(
            parsed("kube_pod_container_status_last_terminated_exitcode=127"),
            Some((Slot::LastTerminated, SignalKey::ExitCode(127)))
        );
        assert_eq!(
            parsed("kube_pod_status_reason=Evicted"),
            Some((Slot::Pod, SignalKey::Reason("evicted".into())))
        );
        for other in [
            "kube_node_status_condition=DiskPressure",
            "kube_pod_container_status_last_terminated_exitcode=x",
            "free text",
            "kube_pod_status_reason=",
        ] {
            assert_eq!(parsed(other), None, "{other}");
        }
    }
}
