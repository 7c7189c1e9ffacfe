import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { installFocusRescue } from './util/focus-rescue.ts';
import './style.css';

createApp(App).use(createPinia()).mount('#app');
installFocusRescue();
