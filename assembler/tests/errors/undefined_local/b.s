# `helper` is local to this file: a.s cannot see it.
helper: ret
