libsbx_a_SOURCES += \
	%reldir%/config.c %reldir%/lifecycle.h \
	%reldir%/cost.c %reldir%/cost-int.h \
	%reldir%/cost-report.c \
	%reldir%/jentry.c %reldir%/jentry.h \
	%reldir%/money.c %reldir%/money.h \
	%reldir%/notify.c \
	%reldir%/plan.c \
	%reldir%/resolve.c \
	%reldir%/sandbox.c \
	%reldir%/state.c \
	%reldir%/tick.c \
	%reldir%/changeset.c %reldir%/changeset.h \
	%reldir%/placeholder.c %reldir%/placeholder.h \
	%reldir%/merge.c %reldir%/merge.h \
	%reldir%/merge-conflict.c \
	%reldir%/merge-json.c \
	%reldir%/merge-render.c \
	%reldir%/merge-text.c \
	%reldir%/promote.c \
	%reldir%/source-read.c %reldir%/source-read.h
