/* Names for wait statuses (uapi/wait.h), for the shell and the tests. */
#include <kernelist.h>
#include <stdio.h>

const char *vector_name(int vector)
{
    static const char *const names[32] = {
        "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "vector 9", "#TS", "#NP",
        "#SS", "#GP", "#PF", "vector 15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
    };
    if (vector == KILL_BY_SIGNAL)
        return "kill";
    if (vector >= 0 && vector < 32 && names[vector])
        return names[vector];
    return "vector ?";
}

char *status_text(int status, char *buf, int size)
{
    if (WIFKILLED(status)) {
        int why = WKILLREASON(status);
        if (why == KILL_BY_SIGNAL)
            snprintf(buf, (size_t)size, "killed");
        else
            snprintf(buf, (size_t)size, "killed by %s (vector %d)", vector_name(why), why);
    } else {
        snprintf(buf, (size_t)size, "exit %d", WEXITSTATUS(status));
    }
    return buf;
}
