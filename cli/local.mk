bin_PROGRAMS += sbx
sbx_SOURCES = \
	%reldir%/sbx.c %reldir%/cli.h \
	%reldir%/output.c \
	%reldir%/cmd-store.c \
	%reldir%/cmd-cost.c %reldir%/cost-html.c \
	%reldir%/cmd-snapshot.c \
	%reldir%/cmd-master.c \
	%reldir%/cmd-sandbox.c \
	%reldir%/cmd-diff.c \
	%reldir%/cmd-promote.c \
	%reldir%/cmd-tick.c
sbx_CPPFLAGS = -I$(top_srcdir)/include -I$(top_srcdir)
sbx_LDADD = $(SBX_LIBS)
