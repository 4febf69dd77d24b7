#!/usr/bin/env python3
"""Where a single-row transition of the real register spends its time.

Reads `perf script -F ip,sym` of one backend (perf record --call-graph dwarf
while pgbench runs single-row transitions) and attributes every sample twice:

- to a layer of the register path: the trigger of the top-level UPDATE whose
  work it is (the outermost trigger entry on the stack), else the part of the
  statement's own life (parse, analyse and rewrite, plan, executor, commit,
  the client);
- to a PostgreSQL mechanism: the acting-person look-up, planning, executor
  start-up of SPI statements, the PL/pgSQL interpreter, to_jsonb, heap, index
  and WAL writes, SHA-256 ... (the first of these found on the stack, in that
  order).

PostgreSQL's own binary keeps only its exported symbols, so the markers are
exported functions.  Prints two Markdown tables (share of the samples, and
microseconds per transition when the backend CPU per transition is given).

usage: register_profile.py STACKS [CPU_US_PER_TRANSITION]
"""
import collections
import sys

LAYER_TRIGGERS_BEFORE = [
    ('iso28000_workflow_guard', 'workflow_guard (C, BEFORE ROW)'),
    ('iso28000_stamp_acting_person', 'actor_stamp (BEFORE ROW)'),
    ('plpgsql_call_handler', 'a PL/pgSQL BEFORE ROW trigger'),
]
LAYER_TRIGGERS_AFTER = [
    ('history_record', 'history (C, AFTER STATEMENT)'),
    ('iso28000_workflow_log', 'event log (C, AFTER STATEMENT)'),
    ('iso28000_notify_register_change', 'notification outbox (AFTER STATEMENT)'),
    ('plpgsql_call_handler', 'notification outbox (AFTER STATEMENT)'),
]
COMMIT_PARTS = [
    ('history_link_pending', 'history: chain linked at commit'),
    ('wf_runs_write', 'event log: runs written at commit'),
    ('PreCommit_Notify', 'commit: NOTIFY queue'),
    ('AtCommit_Notify', 'commit: NOTIFY queue'),
    ('SignalBackends', 'commit: NOTIFY queue'),
]
STATEMENT_PARTS = [
    ('iso28000_member_orgs', 'row-level security: policy_orgs()'),
    ('iso28000_policy_has_level', 'row-level security: policy_has_level()'),
    ('pg_parse_query', 'statement: parse'),
    ('pg_analyze_and_rewrite_fixedparams', 'statement: analyse and rewrite (policies added)'),
    ('pg_plan_queries', 'statement: plan'),
    ('standard_ExecutorStart', 'statement: executor start'),
    ('standard_ExecutorRun', 'statement: index scan and heap update'),
    ('standard_ExecutorEnd', 'statement: executor end'),
    ('ReadCommand', 'client: reading the next statement'),
    ('pq_getbyte', 'client: reading the next statement'),
    ('secure_read', 'client: reading the next statement'),
    ('pq_flush', 'client: sending the result'),
    ('secure_write', 'client: sending the result'),
    ('PostgresMain', 'backend main loop, other'),
]
MECHANISMS = [
    ({'iso28000_acting_person'}, 'acting-person look-up'),
    ({'pg_cryptohash_update', 'pg_cryptohash_final', 'history_sha256'}, 'SHA-256'),
    ({'to_jsonb', 'jsonb_populate_record'}, 'to_jsonb / jsonb_populate_record'),
    ({'GetCachedPlan'}, 'SPI: plan cache (re-analyse, re-plan)'),
    ({'pg_plan_queries', 'standard_planner'}, 'planning'),
    ({'pg_analyze_and_rewrite_fixedparams', 'parse_analyze_fixedparams', 'raw_parser', 'pg_parse_query'},
     'parse and analyse'),
    ({'standard_ExecutorStart'}, 'executor start'),
    ({'heap_insert', 'heap_update', 'heap_lock_tuple', 'btinsert', 'XLogInsert'}, 'heap, index and WAL writes'),
    ({'RecordTransactionCommit', 'CommitTransactionCommand'}, 'commit'),
    ({'plpgsql_exec_trigger', 'plpgsql_exec_function'}, 'PL/pgSQL interpreter and the executor under it'),
    ({'AfterTriggerEndQuery'}, 'after-trigger queue, other'),
]


def samples(path):
    stack = []
    with open(path, errors='replace') as f:
        for line in f:
            line = line.strip()
            if not line:
                if stack:
                    yield stack
                stack = []
                continue
            parts = line.split(None, 1)
            stack.append(parts[1] if len(parts) > 1 else '?')
    if stack:
        yield stack


def layer_of(stack):
    outer = list(reversed(stack))
    for i, frame in enumerate(outer):
        rest = set(outer[i + 1:])
        if frame in ('ExecBRUpdateTriggersNew', 'ExecBRUpdateTriggers', 'ExecBRInsertTriggers'):
            for marker, name in LAYER_TRIGGERS_BEFORE:
                if marker in rest:
                    return name
            return 'BEFORE ROW trigger machinery'
        if frame == 'AfterTriggerEndQuery':
            for marker, name in LAYER_TRIGGERS_AFTER:
                if marker in rest:
                    return name
            return 'after-trigger queue (transition tables, firing)'
        if frame in ('CommitTransactionCommand', 'finish_xact_command'):
            for marker, name in COMMIT_PARTS:
                if marker in rest:
                    return name
            return 'commit: WAL record, locks, other'
    names = set(stack)
    for marker, name in STATEMENT_PARTS:
        if marker in names:
            return name
    return 'kernel, other'


def mechanism_of(stack):
    names = set(stack)
    for markers, name in MECHANISMS:
        if markers & names:
            return name
    return 'executor and own code'


def table(title, counter, n, cpu):
    print('| %s | share of samples |%s' % (title, ' µs per transition |' if cpu else ''))
    print('|---|---:|%s' % ('---:|' if cpu else ''))
    for name, v in counter.most_common():
        share = v / n
        if share < 0.003:
            continue
        print('| %s | %.1f%% |%s' % (name, 100 * share, ' %.0f |' % (share * cpu) if cpu else ''))
    print()


def main():
    path = sys.argv[1]
    cpu = float(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] else None
    layers = collections.Counter()
    mechanisms = collections.Counter()
    n = 0
    for stack in samples(path):
        n += 1
        layers[layer_of(stack)] += 1
        mechanisms[mechanism_of(stack)] += 1
    if n == 0:
        print('(no samples)')
        return
    print('%d samples.' % n)
    print()
    table('layer (where the top-level UPDATE spends it)', layers, n, cpu)
    table('mechanism', mechanisms, n, cpu)


if __name__ == '__main__':
    main()
