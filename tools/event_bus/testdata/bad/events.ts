export default { hello: 1 };
