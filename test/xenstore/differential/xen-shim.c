/*
 * LD_PRELOAD shim that lets Debian's xenstored 4.17 run as an ordinary process, with no
 * hypervisor. It stands in for the parts of libxenctrl, libxenevtchn and libxengnttab that
 * xenstored calls (see `nm -D --undefined-only xenstored`), and for the two /proc/xen files
 * through which the kernel hands dom0's XenStore ring to xenstored:
 *
 *   - every domain id below DOMID_FIRST_RESERVED exists and is running, so INTRODUCE, RELEASE
 *     and permissions naming other domains behave as on a host where those domains are up;
 *   - event channels are numbered locally and never fire; their fd is a pipe nobody writes to;
 *   - a grant mapping (a guest's ring page) is a fresh zeroed page, so guests never send;
 *   - /proc/xen/xsd_port reads "1" and /proc/xen/xsd_kva is a zeroed page-sized file, both in
 *     $XENSTORED_RUNDIR.
 *
 * Everyone talks to the daemon through its unix socket ($XENSTORED_RUNDIR/socket), as dom0.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define DOMID_FIRST_RESERVED 0x7FF0U
#define PAGE_SIZE 4096

/* The leading fields of libxenctrl 4.17's xc_dominfo_t; xenstored reads no others. */
struct dominfo_head {
    uint32_t domid;
    uint32_t ssidref;
    unsigned int dying:1, crashed:1, shutdown:1, paused:1, blocked:1, running:1, hvm:1, debugged:1, xenstore:1, hap:1;
    unsigned int shutdown_reason;
};

struct fake_handle {
    int read_fd;
    int write_fd;
};

static int next_local_port = 1;

static void *new_handle(void)
{
    struct fake_handle *handle = calloc(1, sizeof(*handle));
    int fds[2];

    if (!handle)
        return NULL;
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK)) {
        free(handle);
        return NULL;
    }
    handle->read_fd = fds[0];
    handle->write_fd = fds[1];
    return handle;
}

static int close_handle(void *opaque)
{
    struct fake_handle *handle = opaque;

    if (handle) {
        close(handle->read_fd);
        close(handle->write_fd);
        free(handle);
    }
    return 0;
}

/* libxenctrl */

void *xc_interface_open(void *logger, void *dombuild_logger, unsigned int open_flags)
{
    (void)logger; (void)dombuild_logger; (void)open_flags;
    return new_handle();
}

int xc_interface_close(void *xch)
{
    return close_handle(xch);
}

int xc_domain_getinfo(void *xch, uint32_t first_domid, unsigned int max_doms, void *info)
{
    struct dominfo_head *head = info;

    (void)xch;
    if (max_doms == 0 || first_domid >= DOMID_FIRST_RESERVED)
        return 0;
    memset(head, 0, sizeof(*head));
    head->domid = first_domid;
    head->running = 1;
    return 1;
}

/* libxenevtchn */

void *xenevtchn_open(void *logger, unsigned int open_flags)
{
    (void)logger; (void)open_flags;
    return new_handle();
}

void *xenevtchn_fdopen(void *logger, int fd, unsigned int open_flags)
{
    (void)logger; (void)fd; (void)open_flags;
    return new_handle();
}

int xenevtchn_close(void *xce)
{
    return close_handle(xce);
}

int xenevtchn_fd(void *xce)
{
    return ((struct fake_handle *)xce)->read_fd;
}

int xenevtchn_bind_virq(void *xce, unsigned int virq)
{
    (void)xce; (void)virq;
    return next_local_port++;
}

int xenevtchn_bind_interdomain(void *xce, uint32_t domid, uint32_t remote_port)
{
    (void)xce; (void)domid; (void)remote_port;
    return next_local_port++;
}

int xenevtchn_unbind(void *xce, uint32_t port)
{
    (void)xce; (void)port;
    return 0;
}

int xenevtchn_notify(void *xce, uint32_t port)
{
    (void)xce; (void)port;
    return 0;
}

int xenevtchn_pending(void *xce)
{
    (void)xce;
    errno = EAGAIN;
    return -1;
}

int xenevtchn_unmask(void *xce, uint32_t port)
{
    (void)xce; (void)port;
    return 0;
}

/* libxengnttab */

void *xengnttab_open(void *logger, unsigned int open_flags)
{
    (void)logger; (void)open_flags;
    return new_handle();
}

int xengnttab_close(void *xgt)
{
    return close_handle(xgt);
}

int xengnttab_set_max_grants(void *xgt, uint32_t nr_grants)
{
    (void)xgt; (void)nr_grants;
    return 0;
}

void *xengnttab_map_grant_ref(void *xgt, uint32_t domid, uint32_t ref, int prot)
{
    void *page = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    (void)xgt; (void)domid; (void)ref; (void)prot;
    return page == MAP_FAILED ? NULL : page;
}

int xengnttab_unmap(void *xgt, void *start_address, uint32_t count)
{
    (void)xgt;
    return munmap(start_address, (size_t)count * PAGE_SIZE);
}

/* /proc/xen */

/* Creates `name` in $XENSTORED_RUNDIR holding `content` and `size` bytes in all; returns its path. */
static const char *stand_in_file(const char *name, const char *content, off_t size, char *path, size_t path_size)
{
    const char *rundir = getenv("XENSTORED_RUNDIR");
    int fd;

    if (!rundir || snprintf(path, path_size, "%s/%s", rundir, name) >= (int)path_size) {
        errno = ENOENT;
        return NULL;
    }
    fd = openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return NULL;
    if (write(fd, content, strlen(content)) != (ssize_t)strlen(content) || ftruncate(fd, size)) {
        close(fd);
        return NULL;
    }
    close(fd);
    return path;
}

int open(const char *path, int flags, ...)
{
    static int (*real_open)(const char *, int, ...);
    char stand_in[4096];
    mode_t mode = 0;

    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list args;
        va_start(args, flags);
        mode = va_arg(args, mode_t);
        va_end(args);
    }
    if (!real_open)
        real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");

    if (strcmp(path, "/proc/xen/xsd_port") == 0)
        path = stand_in_file("xsd_port", "1", 1, stand_in, sizeof(stand_in));
    else if (strcmp(path, "/proc/xen/xsd_kva") == 0)
        path = stand_in_file("xsd_kva", "", PAGE_SIZE, stand_in, sizeof(stand_in));
    if (!path)
        return -1;
    return real_open(path, flags, mode);
}
