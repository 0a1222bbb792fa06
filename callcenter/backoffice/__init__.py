"""Back-office work (an import's run, a list's export) in processes of its own, below the floor.

The floor (screen-pops, the wallboard, the PBX listener) and the back office share a machine
and a database. Run in the web process, a million-row export formats and compresses on the
event loop the pops go through, and an import checks rows in a thread that holds the same
GIL. So each of them runs in a child process (``child.py``) at a lower CPU priority, and the
PostgreSQL backend serving it is given the same lower priority where the server is on this
machine (``priority.py``): when the cores are busy the floor's work goes first, and the back
office takes what is left. See docs/benchmarks.md, "The floor under back-office load".
"""
