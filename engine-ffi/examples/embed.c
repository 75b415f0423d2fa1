#include "acd.h"
#include <stdio.h>

int main(void) {
    const char *config =
        "{\"tenants\":[{\"id\":\"acme\","
        "\"groups\":[{\"id\":\"support\",\"skills\":[{\"skill\":\"support\",\"min_level\":1}]}],"
        "\"agents\":[{\"id\":\"alice\",\"skills\":{\"support\":5}}]}]}";
    acd_engine *e = NULL;
    if (acd_engine_new(config, &e) != ACD_RESULT_OK) {
        fprintf(stderr, "config: %s\n", acd_last_error_message());
        return 1;
    }
    acd_engine_logon(e, 1000, "acme", "alice", "2001");
    acd_engine_ready(e, 2000, "acme", "alice");
    acd_engine_call_arrived(e, 3000, "acme", "c1", "support");

    acd_effect fx; /* strings live until the next poll on this handle */
    while (acd_engine_poll_effect(e, &fx) == ACD_RESULT_OK) {
        if (fx.kind == ACD_EFFECT_KIND_OFFER) {
            printf("ring %s at %s for %s\n", fx.agent, fx.extension, fx.call);
            acd_result rc = acd_engine_answered(e, 5000, "acme", fx.call, fx.agent, fx.epoch);
            if (rc != ACD_RESULT_OK)
                fprintf(stderr, "%s: %s\n", acd_result_name(rc), acd_last_error_message());
        }
    }
    acd_engine_hangup(e, 65000, "acme", "c1");

    char stats[1024];
    size_t len;
    if (acd_engine_group_stats_json(e, "acme", "support", stats, sizeof stats, &len) == ACD_RESULT_OK)
        printf("%s\n", stats);
    acd_engine_free(e);
    return 0;
}
