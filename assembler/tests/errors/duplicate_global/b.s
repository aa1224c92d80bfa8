        .global helper
helper: halt
