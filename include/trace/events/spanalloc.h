/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spanalloc tracepoints: spanalloc:alloc and spanalloc:free (like
 * kmem:kmalloc and kmem:kfree), spanalloc:refill and spanalloc:flush
 * (batches between a CPU cache and a central list), spanalloc:heap_grow
 * and spanalloc:heap_release (pages taken from and given back to the
 * kernel). Disabled, each costs a static-key branch.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM spanalloc

#if !defined(_TRACE_SPANALLOC_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_SPANALLOC_H

#include <linux/types.h>
#include <linux/tracepoint.h>
#include <trace/events/mmflags.h>

TRACE_EVENT(alloc,
	    TP_PROTO(unsigned long call_site, const void *ptr, size_t bytes_req,
		     size_t bytes_alloc, gfp_t gfp_flags),
	    TP_ARGS(call_site, ptr, bytes_req, bytes_alloc, gfp_flags),
	    TP_STRUCT__entry(__field(unsigned long, call_site)
			     __field(const void *, ptr)
			     __field(size_t, bytes_req)
			     __field(size_t, bytes_alloc)
			     __field(unsigned long, gfp_flags)),
	    TP_fast_assign(__entry->call_site = call_site;
			   __entry->ptr = ptr;
			   __entry->bytes_req = bytes_req;
			   __entry->bytes_alloc = bytes_alloc;
			   __entry->gfp_flags = (__force unsigned long)gfp_flags;),
	    TP_printk("call_site=%pS ptr=%p bytes_req=%zu bytes_alloc=%zu gfp_flags=%s",
		      (void *)__entry->call_site, __entry->ptr, __entry->bytes_req,
		      __entry->bytes_alloc, show_gfp_flags(__entry->gfp_flags))
);

TRACE_EVENT(free,
	    TP_PROTO(unsigned long call_site, const void *ptr),
	    TP_ARGS(call_site, ptr),
	    TP_STRUCT__entry(__field(unsigned long, call_site)
			     __field(const void *, ptr)),
	    TP_fast_assign(__entry->call_site = call_site;
			   __entry->ptr = ptr;),
	    TP_printk("call_site=%pS ptr=%p", (void *)__entry->call_site, __entry->ptr)
);

DECLARE_EVENT_CLASS(batch,
		    TP_PROTO(int cpu, unsigned int cls, unsigned int size, int objects),
		    TP_ARGS(cpu, cls, size, objects),
		    TP_STRUCT__entry(__field(int, cpu)
				     __field(unsigned int, cls)
				     __field(unsigned int, size)
				     __field(int, objects)),
		    TP_fast_assign(__entry->cpu = cpu;
				   __entry->cls = cls;
				   __entry->size = size;
				   __entry->objects = objects;),
		    TP_printk("cpu=%d class=%u size=%u objects=%d",
			      __entry->cpu, __entry->cls, __entry->size, __entry->objects)
);

DEFINE_EVENT(batch, refill,
	     TP_PROTO(int cpu, unsigned int cls, unsigned int size, int objects),
	     TP_ARGS(cpu, cls, size, objects)
);

DEFINE_EVENT(batch, flush,
	     TP_PROTO(int cpu, unsigned int cls, unsigned int size, int objects),
	     TP_ARGS(cpu, cls, size, objects)
);

DECLARE_EVENT_CLASS(heap_pages,
		    TP_PROTO(unsigned long pages),
		    TP_ARGS(pages),
		    TP_STRUCT__entry(__field(unsigned long, pages)),
		    TP_fast_assign(__entry->pages = pages;),
		    TP_printk("pages=%lu", __entry->pages)
);

DEFINE_EVENT(heap_pages, heap_grow,
	     TP_PROTO(unsigned long pages),
	     TP_ARGS(pages)
);

DEFINE_EVENT(heap_pages, heap_release,
	     TP_PROTO(unsigned long pages),
	     TP_ARGS(pages)
);

#endif /* _TRACE_SPANALLOC_H */

/*
 * Outside the guard. No TRACE_INCLUDE_PATH: define_trace.h then includes
 * <trace/events/spanalloc.h>, found through spanalloc's -I include.
 */
#include <trace/define_trace.h>
