"""Grading a learner cannot bend: each submission runs jailed, and its tests are judged outside its process.

    jail.py       one submission's jail: own user, scratch folder, namespaces (bubblewrap), rlimits, clean env
    launch.py     the launcher every jailed program (a kernel) starts through
    forkserver.py one warm jail per class whose server forks each program (imports made once, not per program)
    zygote.py     that server's own process, inside its jail
    kernel.py     nbgrader's Execute with its kernel jailed, outputs capped, a dead or stuck kernel survived, and
                  every test cell handed to the judge instead of the kernel
    judge.py      runs a test cell in the grader's process; learner names are looked up in the kernel
    agent.py      the kernel's side: answers the judge's lookups and calls with plain data
    plaindata.py  what crosses between them: JSON-shaped values, decoded by the judge into exact builtin types
    grading.py    the whole of one submission: autograde in a jail, with the judge outside it

Run bubblewrap where it can be installed (`apt-get install -y bubblewrap`); see jail.py for the fallback.
"""
