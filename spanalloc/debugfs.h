/* SPDX-License-Identifier: GPL-2.0 */
/*
 * debugfs.h - /sys/kernel/debug/spanalloc (debugfs.c), at the top: reads
 * each level's own stats function.
 */
#ifndef _SPANALLOC_DEBUGFS_H
#define _SPANALLOC_DEBUGFS_H

#include "internal.h"

void sa_debugfs_init(void);
void sa_debugfs_exit(void);

#endif /* _SPANALLOC_DEBUGFS_H */
