/*
 * Routes one call end to end through the C ABI (acd.h):
 * logon -> ready -> call arrives -> offer effect -> alerting -> answered ->
 * save/restore -> hangup -> a queued call abandons -> clerical timer ->
 * ready again, then checks the statistics, the event record, and a few
 * error paths. Exits 0 and prints "PASS" on success.
 *
 * Built and run by engine-ffi/tests/c_abi.rs; run under valgrind by
 * engine-ffi/tests/valgrind.sh.
 */
#include "acd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);    \
            fprintf(stderr, __VA_ARGS__);                                      \
            fprintf(stderr, "\n");                                             \
            failures++;                                                        \
        }                                                                      \
    } while (0)

/* Checks that a call returned `want`; on mismatch prints the last error. */
#define EXPECT(call, want)                                                     \
    do {                                                                       \
        acd_result rc_ = (call);                                               \
        CHECK(rc_ == (want), "got %s (%u), want %s: %s", acd_result_name(rc_), \
              (unsigned)rc_, acd_result_name(want), acd_last_error_message()); \
    } while (0)

#define OK(call) EXPECT(call, ACD_RESULT_OK)

static const char *CONFIG =
    "{\"tenants\":[{\"id\":\"acme\","
    "\"groups\":[{\"id\":\"support\",\"clerical_s\":5,\"ring_time_s\":20,"
    "\"skills\":[{\"skill\":\"support\",\"min_level\":1}]}],"
    "\"agents\":[{\"id\":\"alice\",\"skills\":{\"support\":5}}]}]}";

/* Reads agent alice's voice state into buf. */
static void alice_state(acd_engine *e, char *buf, size_t len) {
    size_t n = 0;
    OK(acd_engine_agent_status_json(e, "acme", "alice", NULL, buf, len, &n));
}

int main(void) {
    acd_engine *e = NULL;
    char buf[512];
    size_t n = 0;

    /* Error paths first: codes, never crashes. */
    EXPECT(acd_engine_new("{oops", &e), ACD_RESULT_INVALID_JSON);
    CHECK(e == NULL, "handle set on failure");
    CHECK(strlen(acd_last_error_message()) > 0, "no error message");
    EXPECT(acd_engine_new(CONFIG, NULL), ACD_RESULT_NULL_POINTER);
    EXPECT(acd_engine_ready(NULL, 0, "acme", "alice"), ACD_RESULT_NULL_POINTER);

    OK(acd_engine_new(CONFIG, &e));
    if (e == NULL) {
        fprintf(stderr, "no engine: %s\n", acd_last_error_message());
        return 1;
    }

    /* An agent logs on (Not Ready, R-2.1) and becomes Ready. */
    OK(acd_engine_logon(e, 1000, "acme", "alice", "2001"));
    OK(acd_engine_ready(e, 2000, "acme", "alice"));
    EXPECT(acd_engine_ready(e, 2500, "globex", "alice"), ACD_RESULT_UNKNOWN_TENANT);

    /* A call arrives and is offered to her at once. */
    OK(acd_engine_call_arrived(e, 3000, "acme", "c1", "support"));
    size_t effects = 0, events = 0;
    OK(acd_engine_pending(e, &effects, &events));
    CHECK(effects == 1, "%zu effects pending", effects);

    acd_effect fx;
    OK(acd_engine_poll_effect(e, &fx));
    CHECK(fx.kind == ACD_EFFECT_KIND_OFFER, "kind %u", (unsigned)fx.kind);
    CHECK(strcmp(fx.call, "c1") == 0, "call %s", fx.call);
    CHECK(strcmp(fx.agent, "alice") == 0, "agent %s", fx.agent);
    CHECK(strcmp(fx.extension, "2001") == 0, "extension %s", fx.extension);
    CHECK(strcmp(fx.group, "support") == 0, "group %s", fx.group);
    CHECK(fx.has_epoch, "offer without epoch");
    CHECK(fx.deadline_ms == 3000 + 20000, "deadline %llu",
          (unsigned long long)fx.deadline_ms);
    uint64_t epoch = fx.epoch;
    printf("offer: call %s -> agent %s at %s (epoch %llu)\n", fx.call, fx.agent,
           fx.extension, (unsigned long long)epoch);
    EXPECT(acd_engine_poll_effect(e, &fx), ACD_RESULT_NONE);

    /* Ring-time supervision is pending. */
    uint64_t deadline = 0;
    OK(acd_engine_poll_timeout(e, &deadline));
    CHECK(deadline == 23000, "ring deadline %llu", (unsigned long long)deadline);

    /* The phone rings, then she answers; a stale epoch is refused. */
    OK(acd_engine_alerting(e, 3500, "acme", "c1", "alice", epoch));
    EXPECT(acd_engine_answered(e, 4000, "acme", "c1", "alice", epoch + 99),
           ACD_RESULT_STALE_EPOCH);
    OK(acd_engine_answered(e, 4000, "acme", "c1", "alice", epoch));
    alice_state(e, buf, sizeof buf);
    CHECK(strstr(buf, "\"state\":\"talking\"") != NULL, "state %s", buf);
    /* The status carries the agent's load per media. */
    CHECK(strstr(buf, "\"load\":{\"contacts\":{\"voice\":1}") != NULL, "load %s", buf);

    /* Save mid-call, "restart", and carry on with the restored engine. */
    EXPECT(acd_engine_save_json(e, NULL, 0, &n), ACD_RESULT_BUFFER_TOO_SMALL);
    char *saved = malloc(n + 1);
    OK(acd_engine_save_json(e, saved, n + 1, &n));
    acd_engine_free(e);
    e = NULL;
    OK(acd_engine_load_json(saved, &e));
    free(saved);
    if (e == NULL) {
        fprintf(stderr, "no restored engine: %s\n", acd_last_error_message());
        return 1;
    }
    alice_state(e, buf, sizeof buf);
    CHECK(strstr(buf, "\"state\":\"talking\"") != NULL, "restored state %s", buf);

    /* Hang up: the call ends and she enters clerical for 5 s. */
    OK(acd_engine_hangup(e, 64000, "acme", "c1"));
    alice_state(e, buf, sizeof buf);
    CHECK(strstr(buf, "\"state\":\"clerical\"") != NULL, "state %s", buf);

    /* A second call, sent as JSON, waits (she is in clerical) and the
     * caller gives up: an abandon. */
    OK(acd_engine_handle_json(e, 65000, "acme",
        "{\"type\":\"call_arrived\",\"id\":\"c2\",\"group\":\"support\",\"priority\":5}"));
    size_t queued = 0;
    OK(acd_engine_queue_len(e, "acme", "support", &queued));
    CHECK(queued == 1, "queue length %zu", queued);
    OK(acd_engine_handle_json(e, 66000, "acme", "{\"type\":\"hangup\",\"call\":\"c2\"}"));
    OK(acd_engine_queue_len(e, "acme", "support", &queued));
    CHECK(queued == 0, "queue length %zu", queued);

    OK(acd_engine_poll_timeout(e, &deadline));
    CHECK(deadline == 69000, "clerical deadline %llu", (unsigned long long)deadline);
    OK(acd_engine_handle_timeout(e, deadline));
    alice_state(e, buf, sizeof buf);
    CHECK(strncmp(buf, "{\"state\":\"ready\",\"load\":{\"contacts\":{}", 38) == 0, "state %s", buf);
    EXPECT(acd_engine_poll_timeout(e, &deadline), ACD_RESULT_NONE);

    /* Statistics, fetched with a size query first. */
    EXPECT(acd_engine_group_stats_json(e, "acme", "support", NULL, 0, &n),
           ACD_RESULT_BUFFER_TOO_SMALL);
    char *stats = malloc(n + 1);
    OK(acd_engine_group_stats_json(e, "acme", "support", stats, n + 1, &n));
    CHECK(strstr(stats, "\"offered\":2") != NULL, "stats %s", stats);
    CHECK(strstr(stats, "\"answered\":1") != NULL, "stats %s", stats);
    CHECK(strstr(stats, "\"abandoned\":1") != NULL, "stats %s", stats);
    printf("stats: %s\n", stats);
    free(stats);

    /* The event record: too small a buffer consumes nothing. */
    char tiny[8];
    EXPECT(acd_engine_poll_event_json(e, tiny, sizeof tiny, &n),
           ACD_RESULT_BUFFER_TOO_SMALL);
    OK(acd_engine_pending(e, NULL, &events));
    EXPECT(acd_engine_drain_events_jsonl(e, NULL, 0, &n), ACD_RESULT_BUFFER_TOO_SMALL);
    char *lines = malloc(n + 1);
    OK(acd_engine_drain_events_jsonl(e, lines, n + 1, &n));
    size_t count = 0;
    for (const char *p = lines; *p; p++) count += (*p == '\n');
    CHECK(count == events, "%zu lines for %zu events", count, events);
    CHECK(strstr(lines, "\"event\":\"call_answered\"") != NULL, "no call_answered");
    CHECK(strstr(lines, "\"event\":\"call_ended\"") != NULL, "no call_ended");
    CHECK(strstr(lines, "\"event\":\"call_abandoned\"") != NULL, "no call_abandoned");
    printf("events: %zu\n", count);
    free(lines);

    OK(acd_engine_check_invariants(e));
    acd_engine_free(e);

    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("PASS\n");
    return 0;
}
