/**
 * Enterprise Linux point releases by the build number of their GA kernel (the first field of the kernel's RPM
 * release: `4.18.0-425.3.1.el8` → 425 → 8.7). Data, not logic: add a line when a point release ships.
 *
 * Kernels of 8.0–8.7 are tagged `.el8` whatever their minor (only 8.8 on tag `.el8_N` from GA), EL7 kernels are
 * always `.el7`, and CentOS Stream tags every build `.elN`: for those the build number is the only way to the vault
 * that keeps them. Errata keep their GA build number (`427.13.1` is 9.4), so the key is the build alone; only the
 * major's own kernel line follows its point releases (a SIG's `6.6.60-1.el9` does not).
 *
 * Sources: Red Hat's kernel-version table (access.redhat.com/articles/3078), the Rocky Linux release-engineering
 * version table, Oracle's OL8/OL9 kernel version matrices (same builds); OL 8.10 ships 553.
 */
export interface ElKernelLine {
  /** The upstream version every kernel of the major's own line carries (SIG and UEK kernels carry others). */
  kernel: string;
  /** GA build → point release, in order. */
  points: ReadonlyArray<readonly [build: number, pointRelease: string]>;
}

export const EL_GA_BUILDS: Readonly<Record<string, ElKernelLine>> = {
  "7": {
    kernel: "3.10.0",
    points: [
      [123, "7.0"],
      [229, "7.1"],
      [327, "7.2"],
      [514, "7.3"],
      [693, "7.4"],
      [862, "7.5"],
      [957, "7.6"],
      [1062, "7.7"],
      [1127, "7.8"],
      [1160, "7.9"],
    ],
  },
  "8": {
    kernel: "4.18.0",
    points: [
      [80, "8.0"],
      [147, "8.1"],
      [193, "8.2"],
      [240, "8.3"],
      [305, "8.4"],
      [348, "8.5"],
      [372, "8.6"],
      [425, "8.7"],
      [477, "8.8"],
      [513, "8.9"],
      [553, "8.10"],
    ],
  },
  "9": {
    kernel: "5.14.0",
    points: [
      [70, "9.0"],
      [162, "9.1"],
      [284, "9.2"],
      [362, "9.3"],
      [427, "9.4"],
      [503, "9.5"],
      [570, "9.6"],
      [611, "9.7"],
    ],
  },
  "10": {
    kernel: "6.12.0",
    points: [
      [55, "10.0"],
      [124, "10.1"],
    ],
  },
};
