/* consentkit: runs the page's data-consent scripts of granted categories. */
(function () {
  "use strict";
}());
