// SPDX-License-Identifier: GPL-2.0
/*
 * kmodforge_sample: the sample out-of-tree module kmodforge builds by default. Replace it with your own source
 * (every build takes the module source directory as an input).
 *
 * It exposes:
 *   /dev/kmodforge_sample  a misc character device: read returns a status line, write stores a short value
 *   /proc/kmodforge_sample a read-only status file (proc_ops since 5.6, file_operations before)
 *   greeting               a module parameter, readable and writable through /sys/module/kmodforge_sample/parameters
 */
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#include "compat.h"

#define SAMPLE_NAME "kmodforge_sample"
#define SAMPLE_VALUE_MAX 64

static char *greeting = "hello";
module_param(greeting, charp, 0644);
MODULE_PARM_DESC(greeting, "Text the status line starts with");

static DEFINE_MUTEX(sample_lock);
static char sample_value[SAMPLE_VALUE_MAX] = "unset";
static unsigned long sample_reads;
static unsigned long sample_writes;

static int sample_status(char *buf, size_t len)
{
	int n;

	mutex_lock(&sample_lock);
	n = scnprintf(buf, len, "%s from %s: value=%s reads=%lu writes=%lu kernel=%s\n", greeting, SAMPLE_NAME,
		      sample_value, sample_reads, sample_writes, utsname()->release);
	mutex_unlock(&sample_lock);
	return n;
}

static ssize_t sample_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	char line[256];
	int len = sample_status(line, sizeof(line));

	if (*ppos == 0) {
		mutex_lock(&sample_lock);
		sample_reads++;
		mutex_unlock(&sample_lock);
	}
	return simple_read_from_buffer(ubuf, count, ppos, line, len);
}

static ssize_t sample_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	char tmp[SAMPLE_VALUE_MAX];
	size_t len = min(count, sizeof(tmp) - 1);

	if (copy_from_user(tmp, ubuf, len))
		return -EFAULT;
	tmp[len] = '\0';
	strim(tmp);
	mutex_lock(&sample_lock);
	kmf_strscpy(sample_value, tmp, sizeof(sample_value));
	sample_writes++;
	mutex_unlock(&sample_lock);
	return count;
}

static const struct file_operations sample_fops = {
	.owner = THIS_MODULE,
	.read = sample_read,
	.write = sample_write,
	KMF_NO_LLSEEK
};

static struct miscdevice sample_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = SAMPLE_NAME,
	.fops = &sample_fops,
	.mode = 0666,
};

static int sample_proc_show(struct seq_file *m, void *v)
{
	char line[256];

	sample_status(line, sizeof(line));
	seq_puts(m, line);
	return 0;
}

static int sample_proc_open(struct inode *inode, struct file *file)
{
	return single_open(file, sample_proc_show, NULL);
}

static const KMF_PROC_OPS sample_proc_ops = {
	KMF_PROC_OPEN(sample_proc_open)
	KMF_PROC_READ(seq_read)
	KMF_PROC_LSEEK(seq_lseek)
	KMF_PROC_RELEASE(single_release)
};

static int __init sample_init(void)
{
	int err = misc_register(&sample_misc);

	if (err) {
		pr_err(SAMPLE_NAME ": misc_register failed: %d\n", err);
		return err;
	}
	if (!proc_create(SAMPLE_NAME, 0444, NULL, &sample_proc_ops)) {
		misc_deregister(&sample_misc);
		return -ENOMEM;
	}
	pr_info(SAMPLE_NAME ": loaded (version %s, greeting %s)\n", THIS_MODULE->version, greeting);
	return 0;
}

static void __exit sample_exit(void)
{
	remove_proc_entry(SAMPLE_NAME, NULL);
	misc_deregister(&sample_misc);
	pr_info(SAMPLE_NAME ": unloaded after %lu reads and %lu writes\n", sample_reads, sample_writes);
}

module_init(sample_init);
module_exit(sample_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kmodforge");
MODULE_DESCRIPTION("kmodforge sample module: misc device, proc file and a module parameter");
MODULE_VERSION("1.0.0");
