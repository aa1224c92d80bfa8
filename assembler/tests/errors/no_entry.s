# No `_start`: there is nowhere to begin.
main:   halt
