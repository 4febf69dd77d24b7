/*
 * notification.h
 *		The notification outbox's triggers in C (src/notification.c).
 */
#ifndef ISO28000_NOTIFICATION_H
#define ISO28000_NOTIFICATION_H

/* Defines the setting iso28000.notify_announce (once; from _PG_init). */
extern void notification_define_guc(void);

#endif							/* ISO28000_NOTIFICATION_H */
