libsbx_a_SOURCES += \
	%reldir%/store.c %reldir%/store-int.h \
	%reldir%/lock.c %reldir%/lock.h \
	%reldir%/chunker.c %reldir%/chunker.h \
	%reldir%/pack.c %reldir%/pack.h \
	%reldir%/chunkset.c %reldir%/chunkset.h \
	%reldir%/writer.c %reldir%/writer.h \
	%reldir%/tree.c %reldir%/tree.h \
	%reldir%/builder.c %reldir%/builder.h \
	%reldir%/filescache.c %reldir%/filescache.h \
	%reldir%/source.h \
	%reldir%/source-dir.c \
	%reldir%/capture.c %reldir%/capture.h \
	%reldir%/filepool.c %reldir%/filepool.h \
	%reldir%/archive-in.c \
	%reldir%/archive-out.c \
	%reldir%/restore.c \
	%reldir%/snapshot.c %reldir%/read.h \
	%reldir%/reach.c %reldir%/reach.h \
	%reldir%/refs.c %reldir%/refs.h \
	%reldir%/gc.c \
	%reldir%/verify.c \
	%reldir%/unique.c \
	%reldir%/walk.c %reldir%/walk.h \
	%reldir%/diff.c
