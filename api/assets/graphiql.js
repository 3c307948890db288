// Starts GraphiQL against this server's endpoint. A token pasted on the dashboard (kept in this
// tab's sessionStorage) is sent along, so signed-in queries work here too.
(function () {
  var headers = {};
  var token = window.sessionStorage.getItem('pairing.token');
  if (token) headers.Authorization = 'Bearer ' + token;
  var fetcher = GraphiQL.createFetcher({ url: '/graphql', headers: headers });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, { fetcher: fetcher }));
})();
