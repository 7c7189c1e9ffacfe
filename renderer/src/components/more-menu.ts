// What MoreMenu gives the buttons in its slot (Vue provide/inject).
import type { InjectionKey } from 'vue';

/** Open the menu when it is folded, so that what a button shows beside itself (an error) is seen. */
export const REVEAL: InjectionKey<() => void> = Symbol('MoreMenu.reveal');
