/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shims for kernel API changes between 5.4 and 7.x, so one source builds for every kernel a fleet runs.
 */
#ifndef KMODFORGE_SAMPLE_COMPAT_H
#define KMODFORGE_SAMPLE_COMPAT_H

#include <linux/utsname.h>
#include <linux/version.h>

/* 5.6 moved /proc files from file_operations to struct proc_ops. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 6, 0)
#define KMF_PROC_OPS struct proc_ops
#define KMF_PROC_OPEN(fn) .proc_open = fn,
#define KMF_PROC_READ(fn) .proc_read = fn,
#define KMF_PROC_LSEEK(fn) .proc_lseek = fn,
#define KMF_PROC_RELEASE(fn) .proc_release = fn,
#else
#define KMF_PROC_OPS struct file_operations
#define KMF_PROC_OPEN(fn) .owner = THIS_MODULE, .open = fn,
#define KMF_PROC_READ(fn) .read = fn,
#define KMF_PROC_LSEEK(fn) .llseek = fn,
#define KMF_PROC_RELEASE(fn) .release = fn,
#endif

/* no_llseek was removed in 6.12 (a NULL .llseek now means the same); noop_llseek still exists for older ones. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define KMF_NO_LLSEEK
#else
#define KMF_NO_LLSEEK .llseek = no_llseek,
#endif

/* strlcpy was removed in 6.8; strscpy exists since 4.3. */
#define kmf_strscpy(dst, src, size) strscpy(dst, src, size)

/* class_create() lost its module argument in 6.4; the sample uses a misc device, but helpers that need a class
 * should go through this macro. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define kmf_class_create(name) class_create(name)
#else
#define kmf_class_create(name) class_create(THIS_MODULE, name)
#endif

#endif
